"""The fake Web API's registry of methods and the argument checks they share, as Slack does them."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sandbox.fakeslack.models import (
    JsonDict,
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


def given(args: JsonDict, key: str) -> bool:
    return args.get(key) is not None


def required(args: JsonDict, key: str, error: str) -> str:
    value = args.get(key)
    if not value:
        raise SlackError(error)
    return str(value)


def flag(args: JsonDict, key: str) -> bool:
    return str(args.get(key, "")).lower() in ("1", "true")


def invalid_arguments(*problems: str) -> SlackError:
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
