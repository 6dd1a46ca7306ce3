"""The announcement's "Got it" button: one read per person, the count updated in place."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond

from bot import campaigns
from bot.ids import CampaignIds
from bot.services import Handoff
from handlers.errors import guarded


def got_it_callback(ack: Ack, body: dict, action: dict, respond: Respond, handoff: Handoff) -> None:
    ack()
    value = str(action.get("value", ""))
    if not value.isdigit():
        return
    with handoff.db.session() as session:
        read = campaigns.record_read(
            session,
            campaign_id=int(value),
            slack_id=body["user"]["id"],
            sales_channel=handoff.settings.sales_channel or "",
        )
    if read.outcome == "recorded":
        kind = "read_recorded" if read.counted else "read_not_counted"
    else:
        kind = "read_already" if read.outcome == "already" else "read_unknown"
    if body.get("response_url"):
        message = campaigns.notice(kind, campaign=read.campaign)
        respond(**message.as_args(), response_type="ephemeral", replace_original=False)


def register(app: App) -> None:
    app.action(CampaignIds.GOT_IT)(guarded(got_it_callback))
