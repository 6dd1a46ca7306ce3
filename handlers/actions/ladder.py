"""The escalation's "Nudge" button: DMs the rep about the lead (their manager or an admin).

The escalation's "Reassign" button is `LeadIds.REASSIGN`, handled with the lead alerts.
"""

from __future__ import annotations

from slack_bolt import Ack, App, Respond

from bot.ids import LadderIds
from bot.leads.pings import nudge
from bot.models import utcnow
from bot.services import Handoff
from handlers.errors import guarded


def nudge_callback(ack: Ack, body: dict, respond: Respond, handoff: Handoff) -> None:
    ack()
    with handoff.db.session() as session:
        reply = nudge(
            session, value=body["actions"][0]["value"], actor=body["user"]["id"], now=utcnow()
        )
    respond(response_type="ephemeral", replace_original=False, **reply.as_args())


def register(app: App) -> None:
    app.action(LadderIds.NUDGE)(guarded(nudge_callback))
