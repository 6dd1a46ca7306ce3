"""The sandbox's Slack side of a conversation with the app: it turns the page's gestures into
signed requests to the app's own `POST /slack/events` (the production code path) and does
with the app's answers what Slack does: show an ack's text, keep a modal open with its
errors, update, push or close it."""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool

from sandbox import payloads
from sandbox.fakeslack import FakeSlack
from sandbox.fakeslack.models import JsonDict
from sandbox.modals import Modals

log = logging.getLogger(__name__)

ACK_DEADLINE = 3.0  # seconds Slack waits for an answer
# Loopback only: never through a proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Answer:
    status: int
    body: bytes
    seconds: float

    def json(self) -> JsonDict | None:
        try:
            data = json.loads(self.body) if self.body.strip() else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None
        return data if isinstance(data, dict) else None


@dataclass
class Outcome:
    """What the page shows after a gesture: a problem Slack would report, or a modal's errors."""

    problem: str | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> JsonDict:
        return {"ok": self.problem is None and not self.errors, **vars(self)}


def post(url: str, body: bytes, headers: dict[str, str], timeout: float = 10.0) -> Answer:
    """One HTTP POST on the loopback (blocking); any HTTP status is an answer."""
    started = time.monotonic()
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return Answer(response.status, response.read(), time.monotonic() - started)
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read(), time.monotonic() - started)


class Relay:
    def __init__(
        self, fake: FakeSlack, modals: Modals, *, app_url: str, slack_url: str, signing_secret: str
    ) -> None:
        self.fake = fake
        self.modals = modals
        self.app_url = app_url.rstrip("/")
        self.slack_url = slack_url.rstrip("/")
        self._secret = signing_secret

    # -- plumbing ---------------------------------------------------------------------------

    def response_url(
        self, channel: str, user: str, message_ts: str | None = None, thread_ts: str | None = None
    ) -> str:
        token = self.fake.register_response_url(channel, user, message_ts, thread_ts)
        return f"{self.slack_url}/response/{token}"

    def trigger(self, user_id: str) -> str:
        trigger_id = payloads.new_trigger_id()
        self.modals.issued(trigger_id, user_id)
        return trigger_id

    async def send(self, kind: str, payload: JsonDict) -> Answer:
        body, headers = payloads.signed(self._secret, kind, payload)
        try:
            return await run_in_threadpool(post, f"{self.app_url}/slack/events", body, headers)
        except OSError as exc:
            log.warning("the app did not answer: %s", type(exc).__name__)
            return Answer(0, b"", 0.0)

    def name(self, user_id: str) -> str:
        user = self.fake.find_user(user_id) or {}
        return str(user.get("name") or user_id)

    def channel_name(self, channel_id: str) -> str:
        info = self.fake.channels.get(channel_id) or {}
        return "directmessage" if info.get("is_im") else str(info.get("name") or channel_id)

    @staticmethod
    def problem(answer: Answer, what: str) -> str | None:
        """What Slack would tell the person when the app's answer is not a timely 200."""
        if answer.status == 0:
            return f"Handoff did not answer {what}: Slack would show “dispatch_failed”."
        if answer.status != 200:
            return (
                f"Handoff answered {what} with HTTP {answer.status}: Slack would show "
                "“dispatch_failed”."
            )
        if answer.seconds > ACK_DEADLINE:
            return (
                f"Handoff took {answer.seconds:.1f} s to answer {what}; Slack gives up after "
                "3 s and shows “operation_timeout”."
            )
        return None

    # -- gestures ---------------------------------------------------------------------------

    async def command(self, user_id: str, channel_id: str, command: str, text: str) -> Outcome:
        payload = payloads.slash_command(
            command=command,
            text=text,
            user_id=user_id,
            user_name=self.name(user_id),
            channel_id=channel_id,
            channel_name=self.channel_name(channel_id),
            response_url=self.response_url(channel_id, user_id),
            trigger_id=self.trigger(user_id),
        )
        answer = await self.send("command", payload)
        problem = self.problem(answer, command)
        reply = answer.json() if problem is None else None
        if reply and (reply.get("text") or reply.get("blocks")):  # ack(text=...) shows at once
            if reply.get("response_type") == "in_channel":
                self.fake.post_message(channel_id, reply.get("text", ""), reply.get("blocks"))
            else:
                self.fake.post_ephemeral(
                    channel_id, user_id, reply.get("text", ""), reply.get("blocks")
                )
        return Outcome(problem)

    async def message_action(
        self,
        user_id: str,
        channel_id: str,
        ts: str,
        *,
        block_id: str,
        action_id: str,
        chosen: JsonDict | None,
    ) -> Outcome:
        message = self.fake.find_message(channel_id, ts)
        ephemeral = None if message else self.fake.find_ephemeral(ts)
        if ephemeral is not None and ephemeral.user != user_id:
            ephemeral = None
        data: JsonDict
        if message is not None:
            data = message.to_slack()
        elif ephemeral is not None:
            data = {
                "type": "message",
                "ts": ts,
                "text": ephemeral.text,
                "blocks": ephemeral.blocks,
                "thread_ts": ephemeral.thread_ts,
            }
        else:
            return Outcome("That message is gone.")
        element = find_element(data.get("blocks") or [], block_id, action_id)
        if element is None:
            return Outcome("That button is no longer on the message.")
        thread_ts = data.get("thread_ts")
        payload = payloads.message_action(
            user_id=user_id,
            user_name=self.name(user_id),
            channel_id=channel_id,
            channel_name=self.channel_name(channel_id),
            message=data,
            ephemeral=ephemeral is not None,
            entry=payloads.action(element, block_id=block_id, chosen=chosen),
            response_url=self.response_url(channel_id, user_id, ts, thread_ts),
            trigger_id=self.trigger(user_id),
        )
        return Outcome(self.problem(await self.send("interaction", payload), "the click"))

    async def view_action(
        self,
        user_id: str,
        view_id: str,
        *,
        block_id: str,
        action_id: str,
        chosen: JsonDict | None,
        values: JsonDict,
    ) -> Outcome:
        view = self._view_of(user_id, view_id)
        if view is None:
            return Outcome("That view is closed.")
        element = find_element(view.get("blocks") or [], block_id, action_id)
        if element is None:
            return Outcome("That button is no longer there.")
        payload = payloads.view_action(
            user_id=user_id,
            user_name=self.name(user_id),
            view={**view, "state": {"values": values}},
            entry=payloads.action(element, block_id=block_id, chosen=chosen),
            trigger_id=self.trigger(user_id),
        )
        return Outcome(self.problem(await self.send("interaction", payload), "the click"))

    def _view_of(self, user_id: str, view_id: str) -> JsonDict | None:
        home = self.fake.homes.get(user_id)
        if home is not None and home.id == view_id:
            return home.to_slack()
        view = self.fake.views.get(view_id)
        return view.to_slack() if view and self.modals.owns(user_id, view_id) else None

    async def submit(self, user_id: str, view_id: str, values: JsonDict) -> Outcome:
        view = self._view_of(user_id, view_id)
        if view is None or view.get("type") != "modal":
            return Outcome("That form is closed.")
        payload = payloads.view_submission(
            user_id=user_id,
            user_name=self.name(user_id),
            view=view,
            values=values,
            trigger_id=self.trigger(user_id),
        )
        answer = await self.send("interaction", payload)
        problem = self.problem(answer, "the form")
        if problem:
            return Outcome(problem)
        return self._after_submission(user_id, view_id, answer.json() or {})

    def _after_submission(self, user_id: str, view_id: str, reply: JsonDict) -> Outcome:
        action = reply.get("response_action")
        if action == "errors":
            errors = reply.get("errors")
            return Outcome(errors=errors if isinstance(errors, dict) else {})
        if action == "update" and isinstance(reply.get("view"), dict):
            self.fake.update_view(reply["view"], view_id=view_id)
        elif action == "push" and isinstance(reply.get("view"), dict):
            self.fake.open_view(reply["view"], self.trigger(user_id), pushed=True)
        else:
            self.modals.close(user_id, view_id, everything=action == "clear")
        return Outcome()

    async def close(self, user_id: str, view_id: str, values: JsonDict) -> Outcome:
        view = self._view_of(user_id, view_id)
        self.modals.close(user_id, view_id)
        if view is None or not view.get("notify_on_close"):
            return Outcome()
        payload = payloads.view_closed(
            user_id=user_id, user_name=self.name(user_id), view=view, values=values
        )
        return Outcome(self.problem(await self.send("interaction", payload), "closing the form"))

    async def open_home(self, user_id: str) -> Outcome:
        channel = self.fake.resolve_channel(user_id)
        event: JsonDict = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": channel,
            "tab": "home",
        }
        home = self.fake.homes.get(user_id)
        if home is not None:
            event["view"] = home.to_slack()
        answer = await self.send("event", payloads.event_callback(event))
        return Outcome(self.problem(answer, "opening the Home tab"))


def find_element(blocks: list[Any], block_id: str, action_id: str) -> JsonDict | None:
    """The interactive element `action_id` in block `block_id` (an actions block's element, a
    section's accessory or an input's element). Blocks without an id are numbered as the page
    numbers them: `b<index>`."""
    for index, block in enumerate(blocks):
        if not isinstance(block, dict) or (block.get("block_id") or f"b{index}") != block_id:
            continue
        candidates = [*block.get("elements", []), block.get("accessory"), block.get("element")]
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return element
    return None
