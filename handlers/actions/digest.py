"""The digest's "Nudge" button: DMs a rep their stale leads (their manager or an admin only).

The digest's "Reassign" buttons are `LeadIds.REASSIGN`, handled with the lead alerts.
"""

from __future__ import annotations

from slack_bolt import Ack, App, Respond

from bot.digest import nudge_rep
from bot.ids import DigestIds
from bot.services import Handoff
from handlers.errors import guarded


def nudge_callback(ack: Ack, body: dict, respond: Respond, handoff: Handoff) -> None:
    ack()
    reply = nudge_rep(handoff, actor=body["user"]["id"], rep=body["actions"][0]["value"])
    respond(response_type="ephemeral", replace_original=False, **reply.as_args())


def register(app: App) -> None:
    app.action(DigestIds.NUDGE)(guarded(nudge_callback))
