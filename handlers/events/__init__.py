"""Events listeners: each module registers its own."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Handoff
from handlers.events import home


def register(app: App, handoff: Handoff) -> None:
    home.register(app, handoff)
