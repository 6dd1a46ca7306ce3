"""Events listeners: each module registers its own; retried deliveries are dropped once seen."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import App, BoltResponse

from bot.deliveries import first_delivery
from bot.services import Handoff
from handlers.events import home


def register(app: App, handoff: Handoff) -> None:
    @app.middleware
    def drop_retried_events(body: dict, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not first_delivery(handoff.db, event_id):
            return BoltResponse(status=200, body="")
        return next()

    home.register(app, handoff)
