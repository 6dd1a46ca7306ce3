"""The marketer's confirmation after saving a campaign, with a link to the announcement.

The announcement goes out through the outbox, so its permalink exists only once the
dispatcher has posted it (usually well under a second). The listener, after acking, waits a
little for the posted message's location (`slack_messages`), then asks Slack for the
permalink; if the post is not out yet, the confirmation says it will appear shortly.
"""

from __future__ import annotations

import logging
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.campaigns.replies import notice
from bot.campaigns.service import SaveResult
from bot.db import Database
from bot.keys import announcement_key
from bot.messages import Message
from bot.outbox import message_location

log = logging.getLogger(__name__)


def announcement_permalink(
    db: Database, client: WebClient, campaign_id: int, *, wait: float = 3.0, poll: float = 0.05
) -> str | None:
    """The announcement's permalink, waiting up to `wait` seconds for it to be posted."""
    deadline = time.monotonic() + wait
    while True:
        with db.session() as session:
            location = message_location(session, announcement_key(campaign_id))
        if location is not None:
            break
        if time.monotonic() >= deadline:
            return None
        time.sleep(poll)
    try:
        return client.chat_getPermalink(channel=location.channel, message_ts=location.ts).get(
            "permalink"
        )
    except SlackApiError as exc:
        log.warning("chat.getPermalink failed: %s", exc.response.get("error"))
    except OSError as exc:
        log.warning("chat.getPermalink failed: %s", type(exc).__name__)
    return None


def confirmation(
    db: Database, client: WebClient, result: SaveResult, *, sales_channel: str, wait: float = 3.0
) -> Message:
    campaign = result.campaign
    if campaign is None:
        raise ValueError("only a saved campaign can be confirmed")
    return notice(
        "created" if result.created else "updated",
        campaign=campaign,
        channel_id=sales_channel,
        permalink=announcement_permalink(db, client, campaign.id, wait=wait),
        linked=result.linked_leads,
    )
