"""App Home: publish the user's Home tab when they open it."""

from __future__ import annotations

from slack_bolt import App

from bot.home import publish_home
from bot.services import Handoff
from handlers.errors import guarded


def app_home_opened_callback(event: dict, handoff: Handoff) -> None:
    if event.get("tab", "home") != "home":
        return
    with handoff.db.session() as session:
        publish_home(session, event["user"], settings=handoff.settings)


def register(app: App) -> None:
    app.event("app_home_opened")(guarded(app_home_opened_callback))
