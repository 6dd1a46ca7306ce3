"""`Workspace`: the thread-safe, in-memory users, channels, messages and views of the fake."""

from __future__ import annotations

import copy
import hashlib
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from sandbox.fakeslack.models import (
    BOT_USER_ID,
    TEAM_ID,
    WORKSPACE_URL,
    Ephemeral,
    JsonDict,
    Message,
    ResponseTarget,
    Revision,
    SlackError,
    View,
    make_channel,
    make_user,
)

log = logging.getLogger(__name__)

Listener = Callable[[JsonDict], None]
USER_ID = re.compile(r"^[UW][A-Z0-9]+$")


def dm_id(user_id: str) -> str:
    """The stable id of the bot's DM with `user_id` (`U123` -> `D123`)."""
    return "D" + user_id[1:]


class Workspace:
    """Workspace state. Every change is announced to the listeners given to `subscribe`;
    they run synchronously, under the state lock: keep them quick and non-blocking.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._listeners: list[Listener] = []
        self._clear_state()

    def _clear_state(self) -> None:
        self.users: dict[str, JsonDict] = {}
        self.channels: dict[str, JsonDict] = {}
        self.messages: list[Message] = []
        self.ephemerals: list[Ephemeral] = []
        self.views: dict[str, View] = {}
        self.homes: dict[str, View] = {}
        self._responses: dict[str, ResponseTarget] = {}
        self._last_ts_us = 0
        self._view_serial = 0

    def reset(self) -> None:
        """Back to an empty workspace (listeners stay subscribed)."""
        with self._lock:
            self._clear_state()

    # -- listeners ------------------------------------------------------------------------

    def subscribe(self, callback: Listener) -> Callable[[], None]:
        """Call `callback(event)` on every state change; returns a function that unsubscribes."""
        with self._lock:
            self._listeners.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._listeners:
                    self._listeners.remove(callback)

        return unsubscribe

    def _emit(self, event_type: str, **data: Any) -> None:
        event = {"type": event_type, **data}
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("fakeslack listener failed on %s", event_type)

    # -- users and channels ---------------------------------------------------------------

    def add_user(
        self,
        slack_id: str,
        name: str,
        email: str | None = None,
        tz: str = "America/New_York",
        real_name: str | None = None,
    ) -> JsonDict:
        user = make_user(slack_id, name, email, tz, real_name)
        with self._lock:
            self.users[slack_id] = user
            self._emit("user_added", user=copy.deepcopy(user))
        return user

    def add_channel(self, cid: str, name: str, *, is_private: bool = False) -> JsonDict:
        channel = make_channel(cid, name, is_private=is_private)
        with self._lock:
            self.channels[cid] = channel
            self._emit("channel_added", channel=dict(channel))
        return channel

    def find_user(self, user_id: str) -> JsonDict | None:
        with self._lock:
            return copy.deepcopy(self.users.get(user_id))

    def find_user_by_email(self, email: str) -> JsonDict | None:
        wanted = email.strip().lower()
        with self._lock:
            for user in self.users.values():
                if (user["profile"].get("email") or "").lower() == wanted:
                    return copy.deepcopy(user)
        return None

    def resolve_channel(self, channel: str) -> str:
        """The id a message to `channel` lands in: a channel id or #name, a user's DM, a D id."""
        with self._lock:
            if channel in self.channels:
                return channel
            if USER_ID.match(channel):
                return self._ensure_dm(channel)
            owner = next(
                (u for u in self.users if channel.startswith("D") and dm_id(u) == channel), None
            )
            if owner:
                return self._ensure_dm(owner)
            name = channel.removeprefix("#")
            for cid, info in self.channels.items():
                if info.get("name") == name:
                    return cid
        raise SlackError("channel_not_found")

    def _ensure_dm(self, user_id: str) -> str:
        cid = dm_id(user_id)
        self.channels.setdefault(
            cid, {"id": cid, "is_im": True, "is_channel": False, "is_mpim": False, "user": user_id}
        )
        return cid

    def open_conversation(self, users: list[str]) -> JsonDict:
        if any(not USER_ID.match(user) for user in users):
            raise SlackError("user_not_found")
        with self._lock:
            if len(users) == 1:
                return dict(self.channels[self._ensure_dm(users[0])])
            digest = hashlib.sha1(",".join(sorted(users)).encode(), usedforsecurity=False)
            cid = "G" + digest.hexdigest()[:10].upper()
            mpim = {"id": cid, "is_im": False, "is_mpim": True, "members": sorted(users)}
            return dict(self.channels.setdefault(cid, mpim))

    # -- messages -------------------------------------------------------------------------

    def _next_ts(self) -> str:
        micros = max(int(time.time() * 1_000_000), self._last_ts_us + 1)
        self._last_ts_us = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def post_message(
        self,
        channel: str,
        text: str = "",
        blocks: list[JsonDict] | None = None,
        *,
        thread_ts: str | None = None,
        user: str = BOT_USER_ID,
        attachments: list[JsonDict] | None = None,
        metadata: JsonDict | None = None,
        files: list[JsonDict] | None = None,
    ) -> Message:
        with self._lock:
            message = Message(
                channel=self.resolve_channel(channel),
                ts=self._next_ts(),
                text=text,
                blocks=copy.deepcopy(blocks),
                thread_ts=thread_ts,
                user=user,
                attachments=copy.deepcopy(attachments),
                metadata=copy.deepcopy(metadata),
                files=copy.deepcopy(files),
            )
            self.messages.append(message)
            self._emit("message_posted", message=message.to_dict())
            return message

    def find_message(self, channel: str, ts: str) -> Message | None:
        with self._lock:
            cid = dm_id(channel) if USER_ID.match(channel) else channel
            return next((m for m in self.messages if m.channel == cid and m.ts == ts), None)

    def _existing_message(self, channel: str, ts: str) -> Message:
        message = self.find_message(channel, ts)
        if message is None:
            raise SlackError("message_not_found")
        return message

    def update_message(
        self,
        channel: str,
        ts: str,
        *,
        text: str | None = None,
        blocks: list[JsonDict] | None = None,
        attachments: list[JsonDict] | None = None,
    ) -> Message:
        """Slack's chat.update: omitted text is kept, omitted blocks are removed."""
        with self._lock:
            message = self._existing_message(channel, ts)
            edited_ts = self._next_ts()
            message.history.append(Revision(message.text, message.blocks, replaced_at=edited_ts))
            message.text = message.text if text is None else text
            message.blocks = copy.deepcopy(blocks)
            if attachments is not None:
                message.attachments = copy.deepcopy(attachments)
            message.edited_ts = edited_ts
            self._emit("message_updated", message=message.to_dict())
            return message

    def delete_message(self, channel: str, ts: str) -> Message:
        with self._lock:
            message = self._existing_message(channel, ts)
            self.messages.remove(message)
            self._emit("message_deleted", channel=message.channel, ts=message.ts)
            return message

    def messages_in(self, channel: str) -> list[Message]:
        """The channel's messages (thread replies included), oldest first."""
        with self._lock:
            cid = dm_id(channel) if USER_ID.match(channel) else channel
            return [m for m in self.messages if m.channel == cid]

    def thread(self, channel: str, thread_ts: str) -> list[Message]:
        """The parent message and its replies, oldest first."""
        return [
            m for m in self.messages_in(channel) if m.ts == thread_ts or m.thread_ts == thread_ts
        ]

    def permalink(self, channel: str, ts: str) -> str:
        message = self._existing_message(channel, ts)
        link = f"{WORKSPACE_URL}archives/{message.channel}/p{ts.replace('.', '')}"
        if message.thread_ts and message.thread_ts != message.ts:
            link += f"?thread_ts={message.thread_ts}&cid={message.channel}"
        return link

    # -- ephemeral messages ---------------------------------------------------------------

    def post_ephemeral(
        self,
        channel: str,
        user: str,
        text: str = "",
        blocks: list[JsonDict] | None = None,
        *,
        thread_ts: str | None = None,
    ) -> Ephemeral:
        if not USER_ID.match(user or ""):
            raise SlackError("user_not_found")
        with self._lock:
            ephemeral = Ephemeral(
                channel=self.resolve_channel(channel),
                user=user,
                ts=self._next_ts(),
                text=text,
                blocks=copy.deepcopy(blocks),
                thread_ts=thread_ts,
            )
            self.ephemerals.append(ephemeral)
            self._emit("ephemeral_posted", ephemeral=ephemeral.to_dict())
            return ephemeral

    def ephemerals_for(self, user: str, channel: str | None = None) -> list[Ephemeral]:
        with self._lock:
            return [
                e
                for e in self.ephemerals
                if e.user == user and (channel is None or e.channel == channel)
            ]

    def find_ephemeral(self, ts: str) -> Ephemeral | None:
        with self._lock:
            return next((e for e in self.ephemerals if e.ts == ts), None)

    def replace_ephemeral(self, ts: str, text: str, blocks: list[JsonDict] | None) -> Ephemeral:
        with self._lock:
            ephemeral = self.find_ephemeral(ts)
            if ephemeral is None:
                raise SlackError("message_not_found")
            ephemeral.text, ephemeral.blocks = text, copy.deepcopy(blocks)
            self._emit("ephemeral_updated", ephemeral=ephemeral.to_dict())
            return ephemeral

    def delete_ephemeral(self, ts: str) -> None:
        with self._lock:
            ephemeral = self.find_ephemeral(ts)
            if ephemeral is not None:
                self.ephemerals.remove(ephemeral)
                self._emit("ephemeral_deleted", channel=ephemeral.channel, ts=ts)

    # -- views ----------------------------------------------------------------------------

    def _new_view(self, payload: JsonDict, **fields: Any) -> View:
        self._view_serial += 1
        view_id = f"V{self._view_serial:09d}"
        view = View(view_id, copy.deepcopy(payload), _view_hash(), **fields)
        self.views[view.id] = view
        return view

    def open_view(self, payload: JsonDict, trigger_id: str, *, pushed: bool = False) -> View:
        with self._lock:
            view = self._new_view(payload, trigger_id=trigger_id)
            self._emit("view_pushed" if pushed else "view_opened", view=view.to_dict())
            return view

    def update_view(
        self,
        payload: JsonDict,
        *,
        view_id: str | None = None,
        external_id: str | None = None,
        hash: str | None = None,
    ) -> View:
        with self._lock:
            view = self.views.get(view_id or "") or next(
                (v for v in self.views.values() if external_id and v.external_id == external_id),
                None,
            )
            if view is None:
                raise SlackError("not_found")
            self._replace_view(view, payload, hash)
            self._emit("view_updated", view=view.to_dict())
            return view

    def publish_home(self, user_id: str, payload: JsonDict, hash: str | None = None) -> View:
        with self._lock:
            view = self.homes.get(user_id)
            if view is None:
                view = self.homes[user_id] = self._new_view(payload, user=user_id)
            else:
                self._replace_view(view, payload, hash)
            self._emit("home_published", view=view.to_dict())
            return view

    def _replace_view(self, view: View, payload: JsonDict, hash: str | None) -> None:
        if hash and hash != view.hash:
            raise SlackError("hash_conflict")
        view.history.append(view.payload)
        view.payload = copy.deepcopy(payload)
        view.hash = _view_hash()

    # -- response_url ---------------------------------------------------------------------

    def register_response_url(
        self,
        channel: str,
        user: str | None = None,
        message_ts: str | None = None,
        thread_ts: str | None = None,
    ) -> str:
        """Mint a response_url token; POSTs to `/response/{token}` then act on this target."""
        token = f"{TEAM_ID}-{secrets.token_hex(8)}"
        with self._lock:
            target = ResponseTarget(self.resolve_channel(channel), user, message_ts, thread_ts)
            self._responses[token] = target
        return token

    def response_target(self, token: str) -> ResponseTarget | None:
        with self._lock:
            return self._responses.get(token)

    # -- snapshots ------------------------------------------------------------------------

    def snapshot(self) -> JsonDict:
        """The whole workspace as JSON-ready data (for the sandbox page)."""
        with self._lock:
            return {
                "users": copy.deepcopy(self.users),
                "channels": copy.deepcopy(self.channels),
                "messages": [m.to_dict() for m in self.messages],
                "ephemerals": [e.to_dict() for e in self.ephemerals],
                "views": [v.to_dict() for v in self.views.values()],
            }


def _view_hash() -> str:
    return f"{int(time.time())}.{secrets.token_hex(4)}"
