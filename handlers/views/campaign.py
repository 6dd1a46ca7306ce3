"""The campaign modal's submission: inline errors, or save, announce and confirm."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App

from bot import campaigns
from bot.ids import CampaignIds
from bot.keys import announcement_key
from bot.services import Handoff
from handlers.errors import guarded
from handlers.respond import respond_to

log = logging.getLogger(__name__)


def campaign_submitted_callback(ack: Ack, body: dict, view: dict, handoff: Handoff) -> None:
    sales_channel = handoff.settings.sales_channel or ""
    metadata = campaigns.FormMetadata.load(view.get("private_metadata"))
    form = campaigns.CampaignForm.from_state(view.get("state", {}).get("values", {}))
    # Saving is quick (one transaction) and must happen before the ack so that a code
    # taken a moment ago still comes back as an inline error.
    with handoff.db.session() as session:
        result = campaigns.save_campaign(
            session,
            form=form,
            user_id=body["user"]["id"],
            sales_channel=sales_channel,
            campaign_id=metadata.campaign_id,
        )
    if result.errors:
        ack(response_action="errors", errors=result.errors)
        return
    ack()
    if metadata.response_url is None or result.campaign is None:
        return
    respond = respond_to(metadata.response_url, handoff.client)

    def confirm(permalink: str | None) -> None:
        reply = campaigns.confirmation(result, sales_channel=sales_channel, permalink=permalink)
        try:
            respond(**reply.as_args(), response_type="ephemeral", replace_original=False)
        except Exception as exc:  # an expired response_url: the announcement went out
            log.warning("could not confirm a saved campaign: %s", type(exc).__name__)

    # Waiting for the announcement's permalink happens on the app's one watcher thread.
    handoff.permalinks.when_posted(announcement_key(result.campaign.id), confirm)


def register(app: App) -> None:
    app.view(CampaignIds.MODAL)(guarded(campaign_submitted_callback))
