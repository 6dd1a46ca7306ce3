"""conversations.*: opening DMs, channel info, history and thread replies with paging."""

from __future__ import annotations

import base64
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from sandbox.fakeslack.methods.checks import MAX_HISTORY_LIMIT, flag, given, method, required
from sandbox.fakeslack.models import JsonDict, SlackError

if TYPE_CHECKING:
    from sandbox.fakeslack.fake import FakeSlack

# -- conversations and users ------------------------------------------------------------------


@method("conversations.open")
def conversations_open(fake: FakeSlack, args: JsonDict) -> JsonDict:
    if given(args, "channel"):
        return {"channel": {"id": fake.resolve_channel(str(args["channel"]))}}
    users = args.get("users")
    if isinstance(users, str):
        users = [user.strip() for user in users.split(",") if user.strip()]
    if not users:
        raise SlackError("users_list_not_supplied")
    channel = fake.open_conversation(list(users))
    return {"channel": channel if flag(args, "return_im") else {"id": channel["id"]}}


@method("conversations.info")
def conversations_info(fake: FakeSlack, args: JsonDict) -> JsonDict:
    channel = fake.channels.get(required(args, "channel", "channel_not_found"))
    if channel is None:
        raise SlackError("channel_not_found")
    return {"channel": dict(channel)}


def _timestamp(args: JsonDict, key: str) -> Decimal | None:
    value = args.get(key)
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise SlackError("invalid_ts_" + key) from None


def _limit(args: JsonDict) -> int:
    """Slack's `limit`: 100 by default, at most 999."""
    try:
        limit = int(args.get("limit") or 100)
    except (TypeError, ValueError):
        raise SlackError("invalid_limit") from None
    return max(1, min(limit, MAX_HISTORY_LIMIT))


def _cursor(args: JsonDict) -> int:
    cursor = args.get("cursor")
    if not cursor:
        return 0
    try:
        return int(base64.b64decode(str(cursor)).decode().removeprefix("offset:"))
    except ValueError:
        raise SlackError("invalid_cursor") from None


def _conversation(fake: FakeSlack, args: JsonDict) -> str:
    """A conversation id the workspace knows (a user id is not one: open the DM first)."""
    channel = required(args, "channel", "channel_not_found")
    if channel not in fake.channels:
        raise SlackError("channel_not_found")
    return channel


def _page(messages: list[Any], args: JsonDict) -> JsonDict:
    """A page of `messages` as Slack returns one: `oldest`/`latest` bounds (exclusive unless
    `inclusive`), `limit`, a cursor for the rest, metadata only with `include_all_metadata`."""
    oldest, latest = _timestamp(args, "oldest"), _timestamp(args, "latest")
    inclusive = flag(args, "inclusive")

    def within(ts: str) -> bool:
        value = Decimal(ts)
        if oldest is not None and (value < oldest or (value == oldest and not inclusive)):
            return False
        return latest is None or value < latest or (value == latest and inclusive)

    selected = [m for m in messages if within(m.ts)]
    start, limit = _cursor(args), _limit(args)
    page = selected[start : start + limit]
    with_metadata = flag(args, "include_all_metadata")
    shown = []
    for message in page:
        shape = message.to_slack()
        if not with_metadata:
            shape.pop("metadata", None)
        shown.append(shape)
    more = start + limit < len(selected)
    next_cursor = base64.b64encode(f"offset:{start + limit}".encode()).decode() if more else ""
    return {
        "messages": shown,
        "has_more": more,
        "pin_count": 0,
        "response_metadata": {"next_cursor": next_cursor},
    }


@method("conversations.history")
def conversations_history(fake: FakeSlack, args: JsonDict) -> JsonDict:
    """Top-level messages (thread parents included, replies not), newest first."""
    channel = _conversation(fake, args)
    top = [m for m in fake.messages_in(channel) if m.thread_ts in (None, m.ts)]
    return _page(list(reversed(top)), args)


@method("conversations.replies")
def conversations_replies(fake: FakeSlack, args: JsonDict) -> JsonDict:
    """The parent message first, then its replies oldest first."""
    channel = _conversation(fake, args)
    ts = required(args, "ts", "thread_not_found")
    thread = fake.thread(channel, ts)
    parent = next((m for m in thread if m.ts == ts), None)
    if parent is None:
        raise SlackError("thread_not_found")
    replies = [m for m in thread if m.ts != ts]
    page = _page(replies, args)
    parent_shape = parent.to_slack()
    if not flag(args, "include_all_metadata"):
        parent_shape.pop("metadata", None)
    if not _cursor(args):
        page["messages"].insert(0, parent_shape)
    return page
