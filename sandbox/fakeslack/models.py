"""The records the fake workspace keeps, and the shapes Slack answers with."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

BOT_USER_ID = "UBOT"
BOT_ID = "B0001"
APP_ID = "A0001"
TEAM_ID = "T0001"
TEAM_NAME = "Fake Workspace"
WORKSPACE_URL = "https://fake.slack.test/"

JsonDict = dict[str, Any]


class SlackError(Exception):
    """A Slack `{"ok": false, "error": code}` answer, with any extra fields Slack adds."""

    def __init__(self, code: str, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.extra = extra

    def body(self) -> JsonDict:
        return {"ok": False, "error": self.code, **self.extra}


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: a JSON body (dict) or a plain-text one (str)."""

    status: int
    body: JsonDict | str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Revision:
    """A message's content before one of its edits."""

    text: str
    blocks: list[JsonDict] | None
    replaced_at: str


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[JsonDict] | None = None
    thread_ts: str | None = None
    user: str = BOT_USER_ID
    attachments: list[JsonDict] | None = None
    metadata: JsonDict | None = None
    files: list[JsonDict] | None = None  # shared files (see sandbox.fakeslack.files)
    history: list[Revision] = field(default_factory=list)
    edited_ts: str | None = None

    @property
    def edited(self) -> bool:
        return bool(self.history)

    def to_slack(self) -> JsonDict:
        """The message object as Slack returns it from the Web API."""
        message: JsonDict = {"type": "message", "user": self.user, "text": self.text, "ts": self.ts}
        if self.user == BOT_USER_ID:
            message |= {"bot_id": BOT_ID, "app_id": APP_ID}
        message["team"] = TEAM_ID
        optional = {
            "blocks": self.blocks,
            "thread_ts": self.thread_ts,
            "attachments": self.attachments,
            "metadata": self.metadata,
            "files": self.files,
        }
        message |= {key: copy.deepcopy(value) for key, value in optional.items() if value}
        if self.edited_ts:
            message["edited"] = {"user": self.user, "ts": self.edited_ts}
        return message

    def to_dict(self) -> JsonDict:
        """A JSON-ready snapshot, history included (for tests and the sandbox page)."""
        return {
            "channel": self.channel,
            **self.to_slack(),
            "history": [copy.deepcopy(vars(revision)) for revision in self.history],
        }


@dataclass
class Ephemeral:
    """A message only `user` sees; it never enters the channel's history."""

    channel: str
    user: str
    ts: str
    text: str
    blocks: list[JsonDict] | None = None
    thread_ts: str | None = None

    def to_dict(self) -> JsonDict:
        return copy.deepcopy(vars(self))


@dataclass
class View:
    """A modal (opened or pushed) or a user's App Home."""

    id: str
    payload: JsonDict
    hash: str
    trigger_id: str | None = None
    user: str | None = None
    history: list[JsonDict] = field(default_factory=list)

    @property
    def type(self) -> str:
        return str(self.payload.get("type", ""))

    @property
    def external_id(self) -> str:
        return str(self.payload.get("external_id") or "")

    def to_slack(self) -> JsonDict:
        """The view object as Slack returns it (defaults filled in, ids and hash added)."""
        defaults: JsonDict = {
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "state": {"values": {}},
            "clear_on_close": False,
            "notify_on_close": False,
            "previous_view_id": None,
        }
        return {
            **defaults,
            **copy.deepcopy(self.payload),
            "id": self.id,
            "team_id": TEAM_ID,
            "hash": self.hash,
            "root_view_id": self.id,
            "app_id": APP_ID,
            "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID,
        }

    def to_dict(self) -> JsonDict:
        return {
            **self.to_slack(),
            "trigger_id": self.trigger_id,
            "user": self.user,
            "history": copy.deepcopy(self.history),
        }


@dataclass(frozen=True)
class ResponseTarget:
    """What a minted response_url points at: where its answers go and what they replace."""

    channel: str
    user: str | None = None
    message_ts: str | None = None
    thread_ts: str | None = None


def make_user(
    slack_id: str, name: str, email: str | None, tz: str, real_name: str | None = None
) -> JsonDict:
    """A user object shaped like users.info's `user`."""
    offset = ZoneInfo(tz).utcoffset(datetime.now(UTC))
    real_name = real_name or name
    return {
        "id": slack_id,
        "team_id": TEAM_ID,
        "name": name,
        "real_name": real_name,
        "deleted": False,
        "is_bot": False,
        "tz": tz,
        "tz_offset": int(offset.total_seconds()) if offset else 0,
        "profile": {"email": email, "real_name": real_name, "display_name": name},
    }


def make_channel(cid: str, name: str, *, is_private: bool = False) -> JsonDict:
    """A channel object shaped like conversations.info's `channel`."""
    return {
        "id": cid,
        "name": name,
        "is_channel": not is_private,
        "is_group": is_private,
        "is_im": False,
        "is_mpim": False,
        "is_private": is_private,
        "created": int(time.time()),
    }
