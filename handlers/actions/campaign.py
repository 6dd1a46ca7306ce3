"""The announcement's buttons: "Got it" (one read per person, the count updated in place)
and "Who hasn't read it?" (the list, for the brief's marketer and admins)."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond

from bot import campaigns
from bot.errors import Refusal
from bot.ids import CampaignIds
from bot.models import Campaign
from bot.services import Handoff
from handlers.errors import guarded


def got_it_callback(ack: Ack, body: dict, action: dict, respond: Respond, handoff: Handoff) -> None:
    ack()
    value = str(action.get("value", ""))
    if not value.isdigit():
        return
    campaign: Campaign | None
    with handoff.db.session() as session:
        try:
            read = campaigns.record_read(
                session,
                campaign_id=int(value),
                slack_id=body["user"]["id"],
                sales_channel=handoff.settings.sales_channel or "",
            )
        except Refusal as refusal:  # caught inside the session: the campaign stays loaded
            kind = "read_already" if refusal.kind == "already" else "read_unknown"
            campaign = refusal.context.get("campaign")
        else:
            kind = "read_recorded" if read.counted else "read_not_counted"
            campaign = read.campaign
    if body.get("response_url"):
        message = campaigns.notice(kind, campaign=campaign)
        respond(**message.as_args(), response_type="ephemeral", replace_original=False)


def unread_callback(ack: Ack, body: dict, action: dict, respond: Respond, handoff: Handoff) -> None:
    """ "Who hasn't read it?": the list, privately, for the brief's marketer or an admin."""
    ack()
    value = str(action.get("value", ""))
    if not value.isdigit():
        return
    try:
        with handoff.db.session() as session:
            message = campaigns.unread_list(
                session, campaign_id=int(value), actor=body["user"]["id"]
            )
    except Refusal as refusal:
        respond(text=refusal.message, response_type="ephemeral", replace_original=False)
        return
    respond(**message.as_args(), response_type="ephemeral", replace_original=False)


def register(app: App) -> None:
    app.action(CampaignIds.GOT_IT)(guarded(got_it_callback))
    app.action(CampaignIds.UNREAD)(guarded(unread_callback))
