"""How listeners reach the services: one global middleware puts the `Handoff` in Bolt's context.

Bolt (1.30, the locked version) passes a listener every key of the request's context whose
name is one of its parameters, besides its own (`ack`, `body`, `respond`, ...). So a listener
at module level simply names it: `def leads_callback(ack: Ack, command: dict, respond:
Respond, handoff: Handoff) -> None`; a unit test calls it with a `Handoff` of its own.
"""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import App, BoltContext, BoltResponse

from bot.services import Handoff

HANDOFF = "handoff"
# Set by the HTTP route (`handlers.http`): called with the ack's response the moment a
# listener acks, so the answer leaves while the listener goes on (`handlers.errors.guarded`).
ON_ACK = "handoff_on_ack"


def provide_handoff(app: App, handoff: Handoff) -> None:
    """Register first, so later middleware and every listener find `context["handoff"]`."""

    @app.middleware
    def handoff_in_context(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse:
        context[HANDOFF] = handoff
        return next()


def handoff_of(context: BoltContext) -> Handoff:
    handoff: Handoff = context[HANDOFF]
    return handoff
