"""The Home tab's "I'm away" / "I'm back" switch."""

from __future__ import annotations

from slack_bolt import Ack, App
from slack_bolt.context.respond import Respond

from bot.errors import Refusal
from bot.home import publish_home
from bot.ids import RoutingIds
from bot.models import utcnow
from bot.routing.away import toggle_away
from bot.services import Handoff
from handlers.errors import guarded


def away_toggle_callback(ack: Ack, body: dict, respond: Respond, handoff: Handoff) -> None:
    ack()
    user = body["user"]["id"]
    try:
        with handoff.db.session() as session:
            toggle_away(session, user, now=utcnow())
            publish_home(session, user, settings=handoff.settings)
    except Refusal:
        with handoff.db.session() as session:
            publish_home(
                session, user, settings=handoff.settings
            )  # the switch no longer applies to them: redraw


def register(app: App) -> None:
    app.action(RoutingIds.AWAY_TOGGLE)(guarded(away_toggle_callback))
