"""Events listeners: each module registers its own; retried deliveries are dropped once seen."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import App, BoltContext, BoltResponse

from bot.deliveries import first_delivery
from handlers.context import handoff_of
from handlers.events import home


def drop_retried_events(
    body: dict, context: BoltContext, next: Callable[[], BoltResponse]
) -> BoltResponse | None:
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    if event_id and not first_delivery(handoff_of(context).db, event_id):
        return BoltResponse(status=200, body="")
    return next()


def register(app: App) -> None:
    app.middleware(drop_retried_events)
    home.register(app)
