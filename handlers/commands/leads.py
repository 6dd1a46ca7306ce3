"""`/leads`: the caller's open hot leads, ephemeral, with the alert's buttons."""

from __future__ import annotations

from slack_bolt import Ack, App
from slack_bolt.context.respond import Respond

from bot.digest import stale_leads_for
from bot.leads.listing import leads_list
from bot.models import utcnow
from bot.services import Handoff
from handlers.errors import guarded

USAGE = (
    "Usage: `/leads` shows your open hot leads, oldest first, with their buttons. "
    "Managers: `/leads stale` lists your reps' stale leads."
)


def leads_callback(ack: Ack, command: dict, respond: Respond, handoff: Handoff) -> None:
    ack()
    if (command.get("text") or "").strip().lower() == "stale":  # the manager digest's list
        stale = stale_leads_for(handoff, command["user_id"])
        respond(response_type="ephemeral", **stale.as_args())
        return
    if (command.get("text") or "").strip():
        respond(text=USAGE, response_type="ephemeral")
        return
    with handoff.db.session() as session:
        message = leads_list(session, command["user_id"], now=utcnow())
    respond(response_type="ephemeral", **message.as_args())


def register(app: App) -> None:
    app.command("/leads")(guarded(leads_callback))
