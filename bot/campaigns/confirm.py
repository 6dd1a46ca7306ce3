"""The marketer's confirmation after saving a campaign, with a link to the announcement.

The announcement goes out through the outbox, so its permalink exists only once the
dispatcher has posted it. The handler asks `bot.permalinks` (the app's one watcher, never a
listener thread) to call back with it; if the post is not out in time, the confirmation says
it will appear shortly.
"""

from __future__ import annotations

from bot.campaigns.replies import notice
from bot.campaigns.service import SaveResult
from bot.messages import Message


def confirmation(result: SaveResult, *, sales_channel: str, permalink: str | None) -> Message:
    campaign = result.campaign
    if campaign is None:
        raise ValueError("only a saved campaign can be confirmed")
    return notice(
        "created" if result.created else "updated",
        campaign=campaign,
        channel_id=sales_channel,
        permalink=permalink,
        linked=result.linked_leads,
    )
