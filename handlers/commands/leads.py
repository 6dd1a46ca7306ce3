"""`/leads`: the caller's open hot leads, ephemeral, with the alert's buttons."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_bolt.context.respond import Respond

from bot.digest import stale_leads_for
from bot.errors import Refusal
from bot.leads.listing import leads_list
from bot.models import utcnow
from bot.routing.commands import away_back_why
from bot.services import Handoff
from handlers.errors import guarded

USAGE = (
    "Usage: `/leads` shows your open hot leads, oldest first, with their buttons. "
    "`/leads away [until 2026-12-01 | for 3d]` and `/leads back`: no round-robin leads "
    "while you are away. Managers: `/leads stale` lists your reps' stale leads, "
    "`/leads why LEAD` shows how a lead's owner was chosen."
)


def ack_args(_command: dict) -> dict[str, Any]:
    """The ack: always empty (the answer follows through `respond`)."""
    return {}


def leads_callback(ack: Ack, command: dict, respond: Respond, handoff: Handoff) -> None:
    ack(**ack_args(command))
    word, _, rest = (command.get("text") or "").strip().partition(" ")
    if word.lower() == "stale" and not rest:  # the manager digest's list
        stale = stale_leads_for(handoff, command["user_id"])
        respond(response_type="ephemeral", **stale.as_args())
        return
    if word.lower() in ("away", "back", "why"):
        try:
            message = away_back_why(handoff, command["user_id"], word.lower(), rest)
        except Refusal as refusal:
            respond(text=refusal.message, response_type="ephemeral")
            return
        respond(response_type="ephemeral", **message.as_args())
        return
    if (command.get("text") or "").strip():
        respond(text=USAGE, response_type="ephemeral")
        return
    with handoff.db.session() as session:
        message = leads_list(session, command["user_id"], now=utcnow())
    respond(response_type="ephemeral", **message.as_args())


def register(app: App) -> None:
    app.command("/leads")(guarded(leads_callback))
