"""The "may have landed" lookup: find an earlier attempt of a post in Slack before re-posting.

Every chat.postMessage carries metadata naming its outbox key (`METADATA_EVENT`). A post whose
earlier attempt may have reached Slack is looked for in the conversation (or thread) history,
from a little before that attempt, newest first, a bounded number of pages.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.models import OutboxMessage
from bot.outbox.calls import Permanent
from bot.outbox.queue import post_key

log = logging.getLogger("bot.outbox")

METADATA_EVENT = "handoff_outbox"  # event_type of the metadata every post carries
HISTORY_MARGIN = timedelta(seconds=60)  # looked up from this long before the first attempt
HISTORY_PAGE = 200  # messages per conversations.history page
HISTORY_PAGES = 5  # pages read at most before posting again
_USER_ID = re.compile(r"^[UW][A-Z0-9]+$")

# (method, args) -> Slack's answer, called as a form GET; raises calls.Retry / calls.Permanent
FormCall = Callable[[str, dict[str, Any]], dict[str, Any]]


def post_metadata(row: OutboxMessage) -> dict[str, Any]:
    """The metadata a post carries so that it can be found again."""
    return {"event_type": METADATA_EVENT, "event_payload": {"key": post_key(row)}}


def find_posted(
    call: FormCall, row: OutboxMessage, args: dict[str, Any], since: datetime
) -> dict[str, Any] | None:
    """Where an earlier attempt of `row` landed, if Slack has it: {"channel", "ts"}.

    A lookup Slack refuses for good (no scope, not a member) is logged and answered with None:
    the post is then sent again rather than lost."""
    key = post_key(row)
    try:
        channel = str(args["channel"])
        if _USER_ID.match(channel):  # a DM by user id: its history lives in the IM channel
            opened = call("conversations.open", {"users": channel})
            channel = opened["channel"]["id"]
        query: dict[str, Any] = {
            "channel": channel,
            "oldest": f"{(since - HISTORY_MARGIN).timestamp():.6f}",
            "include_all_metadata": "true",
            "limit": str(HISTORY_PAGE),
        }
        method = "conversations.history"
        if args.get("thread_ts"):
            method, query["ts"] = "conversations.replies", args["thread_ts"]
        for _page in range(HISTORY_PAGES):
            answer = call(method, query)
            for message in answer.get("messages") or []:
                metadata = message.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                if metadata.get("event_type") == METADATA_EVENT and payload.get("key") == key:
                    return {"channel": channel, "ts": message["ts"]}
            cursor = (answer.get("response_metadata") or {}).get("next_cursor")
            if not answer.get("has_more") or not cursor:
                return None
            query["cursor"] = cursor
        log.warning("outbox #%s: not found in %s pages of history; posting", row.id, HISTORY_PAGES)
        return None
    except Permanent as exc:
        log.warning(
            "outbox #%s: cannot check Slack for an earlier attempt (%s); posting again",
            row.id,
            exc,
        )
        return None
