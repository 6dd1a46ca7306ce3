"""Helpers for the alert scenarios (no tests here): post leads, find the alert the fake Slack
received, and click its buttons or submit its modals with signed requests, like Slack does."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx
from sqlalchemy import func, select

from bot.ids import LeadIds
from bot.models import Lead, OutboxMessage
from sandbox.fakeslack.models import Message
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp


def hot_lead(n: int | str = 1, **fields: Any) -> dict[str, Any]:
    return {"id": f"crm-{n}", "name": f"Lead {n}", "score": 95, "owner": "UREP1", **fields}


def lead_id(running: RunningApp, external_id: str) -> int:
    with running.handoff.db.session() as session:
        found = session.scalar(select(Lead.id).where(Lead.external_id == external_id))
    assert found is not None, external_id
    return found


def load_lead(running: RunningApp, external_id: str) -> Lead:
    with running.handoff.db.session() as session:
        lead = session.scalar(select(Lead).where(Lead.external_id == external_id))
    assert lead is not None
    return lead


def outbox_rows(running: RunningApp) -> int:
    with running.handoff.db.session() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def delivered(slack: FakeSlackServer, channel: str, words: str, timeout: float = 5.0) -> Message:
    """The message posted to `channel` (a user id means their DM) whose text has `words`."""
    slack.fake.wait_for(
        "chat.postMessage",
        predicate=lambda a: a["channel"] == channel and words in a.get("text", ""),
        timeout=timeout,
    )
    found = [m for m in slack.fake.messages_in(channel) if words in m.text and not m.thread_ts]
    assert len(found) == 1, [m.text for m in found]
    return found[0]


def action_ids(blocks: list[dict[str, Any]] | None) -> list[str]:
    return [
        element["action_id"]
        for block in blocks or []
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def updates_of(slack: FakeSlackServer, message: Message) -> list[dict[str, Any]]:
    return [
        a
        for a in slack.fake.calls_to("chat.update")
        if a["channel"] == message.channel and a["ts"] == message.ts
    ]


def wait_update(
    slack: FakeSlackServer, message: Message, words: str, timeout: float = 5.0
) -> dict[str, Any]:
    """The chat.update of `message` whose blocks mention `words` (text and blocks both sent)."""
    calls = slack.fake.wait_for(
        "chat.update",
        predicate=lambda a: (
            a["channel"] == message.channel
            and a["ts"] == message.ts
            and words in json.dumps(a.get("blocks"), ensure_ascii=False)
        ),
        timeout=timeout,
    )
    update = calls[-1]
    assert update["text"] and update["blocks"]
    return update


def click(
    running: RunningApp,
    slack: FakeSlackServer,
    message: Message | None,
    action_id: str,
    value: str,
    *,
    user: str,
    block_id: str | None = None,
    ephemeral_ts: str | None = None,
    channel: str | None = None,
) -> httpx.Response:
    """Click a button (or pick a snooze length) on `message`, as `user`."""
    channel = channel or (message.channel if message else "CSALES")
    ts = ephemeral_ts or (message.ts if message else None)
    action: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "block_id": block_id or f"{LeadIds.ALERT_ACTIONS}:{value.split(':')[0]}",
        "value": value,
        "action_ts": f"{time.time():.6f}",
    }
    if action_id == LeadIds.SNOOZE:
        action = {**action, "type": "static_select", "selected_option": {"value": value}}
        action.pop("value")
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": "T0001"},
        "trigger_id": f"trig.{uuid.uuid4().hex}",
        "response_url": slack.response_url(channel, user, ts),
        "container": {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel,
            "is_ephemeral": ephemeral_ts is not None,
        },
        "channel": {"id": channel},
        "actions": [action],
    }
    if message is not None:
        payload["message"] = {"ts": message.ts, "text": message.text, "blocks": message.blocks}
    response = running.slack.interaction(payload)
    assert response.status_code == 200, response.text
    return response


def opened_view(slack: FakeSlackServer, callback_id: str) -> dict[str, Any]:
    calls = slack.fake.wait_for(
        "views.open", predicate=lambda a: a["view"]["callback_id"] == callback_id
    )
    return calls[-1]["view"]


def submit(
    running: RunningApp, view: dict[str, Any], user: str, values: dict[str, Any]
) -> httpx.Response:
    """Submit `view` (as opened) with `values` (Slack's view.state.values)."""
    payload = {
        "type": "view_submission",
        "user": {"id": user, "username": user.lower(), "team_id": "T0001"},
        "trigger_id": f"trig.{uuid.uuid4().hex}",
        "view": {
            "id": "V0001",
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view.get("private_metadata", ""),
            "state": {"values": values},
        },
    }
    return running.slack.interaction(payload)


def select_value(block: str, action: str, value: str | None) -> dict[str, Any]:
    option = {"value": value} if value is not None else None
    return {block: {action: {"type": "static_select", "selected_option": option}}}


def text_value(block: str, action: str, value: str | None) -> dict[str, Any]:
    return {block: {action: {"type": "plain_text_input", "value": value}}}


def refusals(slack: FakeSlackServer, words: str) -> list[dict[str, Any]]:
    return [a for a in slack.fake.calls_to("response_url") if words in a.get("text", "")]
