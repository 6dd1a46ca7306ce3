"""The Web API methods the fake answers: argument checks and response shapes, as Slack does."""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from sandbox.fakeslack.models import (
    BOT_ID,
    BOT_USER_ID,
    TEAM_ID,
    TEAM_NAME,
    WORKSPACE_URL,
    JsonDict,
    Reply,
    ResponseTarget,
    SlackError,
)

if TYPE_CHECKING:
    from sandbox.fakeslack.fake import FakeSlack

Handler = Callable[["FakeSlack", JsonDict], JsonDict]

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TEXT = 40_000
MAX_HISTORY_LIMIT = 999
JSON_FIELDS = ("blocks", "attachments", "view", "metadata")

HANDLERS: dict[str, Handler] = {}


def normalize_args(args: JsonDict) -> JsonDict:
    """Decode the JSON-in-a-string fields form-encoded calls carry (blocks, view, ...)."""
    normalized = dict(args)
    for key in JSON_FIELDS:
        value = normalized.get(key)
        if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
            with contextlib.suppress(json.JSONDecodeError):
                normalized[key] = json.loads(value)
    return normalized


def method(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        HANDLERS[name] = handler
        return handler

    return register


def _given(args: JsonDict, key: str) -> bool:
    return args.get(key) is not None


def _required(args: JsonDict, key: str, error: str) -> str:
    value = args.get(key)
    if not value:
        raise SlackError(error)
    return str(value)


def _flag(args: JsonDict, key: str) -> bool:
    return str(args.get(key, "")).lower() in ("1", "true")


def _invalid_arguments(*problems: str) -> SlackError:
    return SlackError(
        "invalid_arguments", response_metadata={"messages": [f"[ERROR] {p}" for p in problems]}
    )


def checked_blocks(value: Any, limit: int = MAX_MESSAGE_BLOCKS) -> list[JsonDict] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise SlackError("invalid_blocks_format")
    problems = [
        f"missing required field: type [json-pointer:/blocks/{index}]"
        for index, block in enumerate(value)
        if not isinstance(block, dict) or not block.get("type")
    ]
    if len(value) > limit:
        problems.insert(0, f"no more than {limit} items allowed [json-pointer:/blocks]")
    if problems:
        raise SlackError("invalid_blocks", errors=problems)
    return value


def checked_text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    if len(text) > MAX_TEXT:
        raise SlackError("msg_too_long")
    return text


def checked_metadata(value: Any) -> JsonDict | None:
    """Message metadata: an `event_type` string and an `event_payload` object."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise SlackError("invalid_metadata_format")
    if not isinstance(value.get("event_type"), str) or not isinstance(
        value.get("event_payload"), dict
    ):
        raise SlackError("invalid_metadata_schema")
    return value


# -- auth and chat ----------------------------------------------------------------------------


@method("auth.test")
def auth_test(fake: FakeSlack, args: JsonDict) -> JsonDict:
    return {
        "url": WORKSPACE_URL,
        "team": TEAM_NAME,
        "user": "handoff",
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


@method("chat.postMessage")
def chat_post_message(fake: FakeSlack, args: JsonDict) -> JsonDict:
    channel = _required(args, "channel", "channel_not_found")
    text, blocks = checked_text(args.get("text")), checked_blocks(args.get("blocks"))
    attachments = args.get("attachments")
    if not text and not blocks and not attachments:
        raise SlackError("no_text")
    message = fake.post_message(
        channel,
        text or "",
        blocks,
        thread_ts=args.get("thread_ts"),
        attachments=attachments,
        metadata=checked_metadata(args.get("metadata")),
    )
    return {"channel": message.channel, "ts": message.ts, "message": message.to_slack()}


@method("chat.update")
def chat_update(fake: FakeSlack, args: JsonDict) -> JsonDict:
    channel = _required(args, "channel", "channel_not_found")
    ts = _required(args, "ts", "message_not_found")
    text, blocks = checked_text(args.get("text")), checked_blocks(args.get("blocks"))
    if text is None and blocks is None and not _given(args, "attachments"):
        raise SlackError("no_text")
    message = fake.update_message(
        channel, ts, text=text, blocks=blocks, attachments=args.get("attachments")
    )
    return {
        "channel": message.channel,
        "ts": message.ts,
        "text": message.text,
        "message": message.to_slack(),
    }


@method("chat.delete")
def chat_delete(fake: FakeSlack, args: JsonDict) -> JsonDict:
    channel = _required(args, "channel", "channel_not_found")
    message = fake.delete_message(channel, _required(args, "ts", "message_not_found"))
    return {"channel": message.channel, "ts": message.ts}


@method("chat.postEphemeral")
def chat_post_ephemeral(fake: FakeSlack, args: JsonDict) -> JsonDict:
    channel = _required(args, "channel", "channel_not_found")
    user = _required(args, "user", "user_not_found")
    text, blocks = checked_text(args.get("text")), checked_blocks(args.get("blocks"))
    if not text and not blocks and not args.get("attachments"):
        raise SlackError("no_text")
    ephemeral = fake.post_ephemeral(
        channel, user, text or "", blocks, thread_ts=args.get("thread_ts")
    )
    return {"message_ts": ephemeral.ts}


@method("chat.getPermalink")
def chat_get_permalink(fake: FakeSlack, args: JsonDict) -> JsonDict:
    channel = _required(args, "channel", "channel_not_found")
    ts = _required(args, "message_ts", "message_not_found")
    return {"channel": channel, "permalink": fake.permalink(channel, ts)}


# -- conversations and users ------------------------------------------------------------------


@method("conversations.open")
def conversations_open(fake: FakeSlack, args: JsonDict) -> JsonDict:
    if _given(args, "channel"):
        return {"channel": {"id": fake.resolve_channel(str(args["channel"]))}}
    users = args.get("users")
    if isinstance(users, str):
        users = [user.strip() for user in users.split(",") if user.strip()]
    if not users:
        raise SlackError("users_list_not_supplied")
    channel = fake.open_conversation(list(users))
    return {"channel": channel if _flag(args, "return_im") else {"id": channel["id"]}}


@method("conversations.info")
def conversations_info(fake: FakeSlack, args: JsonDict) -> JsonDict:
    channel = fake.channels.get(_required(args, "channel", "channel_not_found"))
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
    channel = _required(args, "channel", "channel_not_found")
    if channel not in fake.channels:
        raise SlackError("channel_not_found")
    return channel


def _page(messages: list[Any], args: JsonDict) -> JsonDict:
    """A page of `messages` as Slack returns one: `oldest`/`latest` bounds (exclusive unless
    `inclusive`), `limit`, a cursor for the rest, metadata only with `include_all_metadata`."""
    oldest, latest = _timestamp(args, "oldest"), _timestamp(args, "latest")
    inclusive = _flag(args, "inclusive")

    def within(ts: str) -> bool:
        value = Decimal(ts)
        if oldest is not None and (value < oldest or (value == oldest and not inclusive)):
            return False
        return latest is None or value < latest or (value == latest and inclusive)

    selected = [m for m in messages if within(m.ts)]
    start, limit = _cursor(args), _limit(args)
    page = selected[start : start + limit]
    with_metadata = _flag(args, "include_all_metadata")
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
    ts = _required(args, "ts", "thread_not_found")
    thread = fake.thread(channel, ts)
    parent = next((m for m in thread if m.ts == ts), None)
    if parent is None:
        raise SlackError("thread_not_found")
    replies = [m for m in thread if m.ts != ts]
    page = _page(replies, args)
    parent_shape = parent.to_slack()
    if not _flag(args, "include_all_metadata"):
        parent_shape.pop("metadata", None)
    if not _cursor(args):
        page["messages"].insert(0, parent_shape)
    return page


@method("users.info")
def users_info(fake: FakeSlack, args: JsonDict) -> JsonDict:
    user = fake.find_user(_required(args, "user", "user_not_found"))
    if user is None:
        raise SlackError("user_not_found")
    return {"user": user}


@method("users.lookupByEmail")
def users_lookup_by_email(fake: FakeSlack, args: JsonDict) -> JsonDict:
    user = fake.find_user_by_email(_required(args, "email", "users_not_found"))
    if user is None:
        raise SlackError("users_not_found")
    return {"user": user}


# -- views ------------------------------------------------------------------------------------


def _checked_view(args: JsonDict, *types: str) -> JsonDict:
    view = args.get("view")
    if not isinstance(view, dict):
        raise _invalid_arguments("missing required field: view")
    if view.get("type") not in types:
        raise _invalid_arguments(f"must be one of {', '.join(types)} [json-pointer:/view/type]")
    if view["type"] == "modal" and not view.get("title"):
        raise _invalid_arguments("missing required field: title [json-pointer:/view]")
    try:
        checked_blocks(view.get("blocks", []), MAX_VIEW_BLOCKS)
    except SlackError as error:
        raise _invalid_arguments(*error.extra.get("errors", [error.code])) from None
    return view


def _trigger_id(args: JsonDict) -> str:
    if not args.get("trigger_id"):
        raise _invalid_arguments("missing required field: trigger_id")
    return str(args["trigger_id"])


@method("views.open")
def views_open(fake: FakeSlack, args: JsonDict) -> JsonDict:
    view = _checked_view(args, "modal")
    return {"view": fake.open_view(view, _trigger_id(args)).to_slack()}


@method("views.push")
def views_push(fake: FakeSlack, args: JsonDict) -> JsonDict:
    view = _checked_view(args, "modal")
    return {"view": fake.open_view(view, _trigger_id(args), pushed=True).to_slack()}


@method("views.update")
def views_update(fake: FakeSlack, args: JsonDict) -> JsonDict:
    view = _checked_view(args, "modal", "home")
    if not args.get("view_id") and not args.get("external_id"):
        raise _invalid_arguments("either view_id or external_id is required")
    updated = fake.update_view(
        view,
        view_id=args.get("view_id"),
        external_id=args.get("external_id"),
        hash=args.get("hash"),
    )
    return {"view": updated.to_slack()}


@method("views.publish")
def views_publish(fake: FakeSlack, args: JsonDict) -> JsonDict:
    user_id = args.get("user_id")
    if not user_id:
        raise _invalid_arguments("missing required field: user_id")
    view = _checked_view(args, "home")
    return {"view": fake.publish_home(str(user_id), view, args.get("hash")).to_slack()}


# -- response_url -----------------------------------------------------------------------------


def respond(fake: FakeSlack, target: ResponseTarget | None, payload: JsonDict) -> Reply:
    """A response_url POST: plain-text "ok" or an error, acting on the target when known."""
    try:
        text, blocks = checked_text(payload.get("text")), checked_blocks(payload.get("blocks"))
        if not _flag(payload, "delete_original") and not text and not blocks:
            raise SlackError("no_text")
        if target is not None:
            _act_on_response(fake, target, payload, text, blocks)
    except SlackError as error:
        return Reply(400 if error.code != "message_not_found" else 404, error.code)
    return Reply(200, "ok")


def _act_on_response(
    fake: FakeSlack,
    target: ResponseTarget,
    payload: JsonDict,
    text: str | None,
    blocks: list[JsonDict] | None,
) -> None:
    original = target.message_ts
    ephemeral = fake.find_ephemeral(original) if original else None
    if _flag(payload, "delete_original"):
        if ephemeral:
            fake.delete_ephemeral(ephemeral.ts)
        elif original:
            fake.delete_message(target.channel, original)
    elif original and _flag(payload, "replace_original"):
        if ephemeral:
            fake.replace_ephemeral(original, text or "", blocks)
        else:
            fake.update_message(target.channel, original, text=text, blocks=blocks)
    elif payload.get("response_type") == "in_channel":
        thread_ts = payload.get("thread_ts") or target.thread_ts
        fake.post_message(target.channel, text or "", blocks, thread_ts=thread_ts)
    elif target.user:
        fake.post_ephemeral(target.channel, target.user, text or "", blocks)
