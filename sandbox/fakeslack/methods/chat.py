"""auth.test, chat.* and response_url POSTs: messages posted, updated, deleted, ephemeral."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.fakeslack.methods.checks import (
    checked_blocks,
    checked_metadata,
    checked_text,
    flag,
    given,
    method,
    required,
)
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
    channel = required(args, "channel", "channel_not_found")
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
    channel = required(args, "channel", "channel_not_found")
    ts = required(args, "ts", "message_not_found")
    text, blocks = checked_text(args.get("text")), checked_blocks(args.get("blocks"))
    if text is None and blocks is None and not given(args, "attachments"):
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
    channel = required(args, "channel", "channel_not_found")
    message = fake.delete_message(channel, required(args, "ts", "message_not_found"))
    return {"channel": message.channel, "ts": message.ts}


@method("chat.postEphemeral")
def chat_post_ephemeral(fake: FakeSlack, args: JsonDict) -> JsonDict:
    channel = required(args, "channel", "channel_not_found")
    user = required(args, "user", "user_not_found")
    text, blocks = checked_text(args.get("text")), checked_blocks(args.get("blocks"))
    if not text and not blocks and not args.get("attachments"):
        raise SlackError("no_text")
    ephemeral = fake.post_ephemeral(
        channel, user, text or "", blocks, thread_ts=args.get("thread_ts")
    )
    return {"message_ts": ephemeral.ts}


@method("chat.getPermalink")
def chat_get_permalink(fake: FakeSlack, args: JsonDict) -> JsonDict:
    channel = required(args, "channel", "channel_not_found")
    ts = required(args, "message_ts", "message_not_found")
    return {"channel": channel, "permalink": fake.permalink(channel, ts)}


# -- response_url -----------------------------------------------------------------------------


def respond(fake: FakeSlack, target: ResponseTarget | None, payload: JsonDict) -> Reply:
    """A response_url POST: plain-text "ok" or an error, acting on the target when known."""
    try:
        text, blocks = checked_text(payload.get("text")), checked_blocks(payload.get("blocks"))
        if not flag(payload, "delete_original") and not text and not blocks:
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
    if flag(payload, "delete_original"):
        if ephemeral:
            fake.delete_ephemeral(ephemeral.ts)
        elif original:
            fake.delete_message(target.channel, original)
    elif original and flag(payload, "replace_original"):
        if ephemeral:
            fake.replace_ephemeral(original, text or "", blocks)
        else:
            fake.update_message(target.channel, original, text=text, blocks=blocks)
    elif payload.get("response_type") == "in_channel":
        thread_ts = payload.get("thread_ts") or target.thread_ts
        fake.post_message(target.channel, text or "", blocks, thread_ts=thread_ts)
    elif target.user:
        fake.post_ephemeral(target.channel, target.user, text or "", blocks)
