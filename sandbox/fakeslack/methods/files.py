"""files.getUploadURLExternal and files.completeUploadExternal (the bytes go to the upload
URL in between: `sandbox.fakeslack.api`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sandbox.fakeslack.methods.checks import checked_text, invalid_arguments, method, required
from sandbox.fakeslack.models import JsonDict, SlackError

if TYPE_CHECKING:
    from sandbox.fakeslack.fake import FakeSlack

MAX_FILE = 1024 * 1024 * 1024


@method("files.getUploadURLExternal")
def get_upload_url(fake: FakeSlack, args: JsonDict) -> JsonDict:
    filename = args.get("filename")
    if not filename:
        raise invalid_arguments("missing required field: filename")
    try:
        length = int(args.get("length", ""))
    except (TypeError, ValueError):
        raise invalid_arguments("missing required field: length") from None
    if not 0 < length <= MAX_FILE:
        raise SlackError("invalid_length")
    stored = fake.files.reserve(str(filename), length)
    return {"upload_url": fake.files.upload_url(stored.id), "file_id": stored.id}


def _files(value: Any) -> list[JsonDict]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise invalid_arguments("files must be a JSON array") from None
    if not isinstance(value, list) or not value:
        raise invalid_arguments("missing required field: files")
    if not all(isinstance(item, dict) and item.get("id") for item in value):
        raise invalid_arguments("each file needs an id")
    return value


@method("files.completeUploadExternal")
def complete_upload(fake: FakeSlack, args: JsonDict) -> JsonDict:
    wanted = _files(args.get("files"))
    channels = [c for c in str(args.get("channels") or "").split(",") if c.strip()]
    if args.get("channel_id"):
        channels = [required(args, "channel_id", "channel_not_found")]
    thread_ts = args.get("thread_ts")
    if thread_ts and len(channels) != 1:
        raise invalid_arguments("thread_ts needs exactly one channel")
    comment = checked_text(args.get("initial_comment")) or ""
    stored = []
    for item in wanted:
        found = fake.files.get(str(item["id"]))
        if found is None or found.content is None:
            raise SlackError("file_not_found")
        if item.get("title"):
            found.title = str(item["title"])[:255]
        stored.append(found)
    resolved = [fake.resolve_channel(channel.strip()) for channel in channels]
    base = fake.files.base_url
    for channel in resolved:
        message = fake.post_message(
            channel,
            comment,
            thread_ts=thread_ts,
            files=[f.to_slack(base) for f in stored],
        )
        for found in stored:
            found.shares.append((channel, message.ts))
    return {"files": [{"id": f.id, "title": f.title or f.filename} for f in stored]}
