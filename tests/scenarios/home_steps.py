"""Steps for the Home scenarios: open a Home, read what was published, press its buttons."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import select

from bot.blockkit import MAX_VIEW_BLOCKS
from bot.messages import validate_blocks
from bot.models import SlackMessage
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp


def view_of(call: dict[str, Any]) -> dict[str, Any]:
    view = call["view"]
    return view if isinstance(view, dict) else json.loads(view)


def publishes(slack: FakeSlackServer, user: str) -> list[dict[str, Any]]:
    return [view_of(c) for c in slack.fake.calls_to("views.publish") if c["user_id"] == user]


def wait_recorded(running: RunningApp, key: str, timeout: float = 10) -> None:
    """Until the app has recorded where the message `key` landed in Slack (the fake Slack logs
    a post a moment before the app reads Slack's answer and records it)."""
    deadline = time.monotonic() + timeout
    while True:
        with running.handoff.db.session() as session:
            if session.scalar(select(SlackMessage.key).where(SlackMessage.key == key)):
                return
        assert time.monotonic() < deadline, f"{key} was never recorded"
        time.sleep(0.05)


def open_home(
    running: RunningApp, slack: FakeSlackServer, user: str, *, event_id: str | None = None
) -> dict[str, Any]:
    """`app_home_opened` as Slack sends it; the view published for `user`, checked valid."""
    before = len(publishes(slack, user))
    response = running.slack.event(
        {"type": "app_home_opened", "user": user, "tab": "home"},
        event_id=event_id or f"Ev{time.monotonic_ns()}",
    )
    assert response.status_code == 200
    return next_publish(slack, user, before)


def next_publish(
    slack: FakeSlackServer, user: str, before: int, timeout: float = 20
) -> dict[str, Any]:
    slack.fake.wait_for(
        "views.publish",
        timeout=timeout,
        predicate=lambda c: c["user_id"] == user and len(publishes(slack, user)) > before,
    )
    view = publishes(slack, user)[-1]
    assert view["type"] == "home"
    validate_blocks(view["blocks"], MAX_VIEW_BLOCKS)
    return view


def text_of(view: dict[str, Any]) -> str:
    return json.dumps(view, ensure_ascii=False)


def element(view: dict[str, Any], action_id: str, value: str | None = None) -> tuple[dict, dict]:
    """The block and element (button, select or accessory) with `action_id` (and `value`)."""
    for block in view["blocks"]:
        candidates = list(block.get("elements", [])) if block["type"] == "actions" else []
        if block.get("accessory"):
            candidates.append(block["accessory"])
        for item in candidates:
            if item.get("action_id") == action_id and (value is None or item.get("value") == value):
                return block, item
    raise AssertionError(f"no {action_id} ({value}) in the Home: {text_of(view)[:2000]}")


def press(
    running: RunningApp,
    view: dict[str, Any],
    action_id: str,
    *,
    user: str,
    value: str | None = None,
    option: str | None = None,
) -> None:
    """Press a button in the Home (or pick `option` of a select), as Slack sends it: a
    block_actions from a view of type home, with no response_url."""
    block, item = element(view, action_id, value)
    action: dict[str, Any] = {
        "type": item["type"],
        "action_id": action_id,
        "block_id": block.get("block_id", "b"),
        "action_ts": str(time.time()),
    }
    if option is None:
        action["value"] = item.get("value")
    else:
        action["selected_option"] = next(o for o in item["options"] if o["value"] == option)
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": "T0001"},
        "trigger_id": f"trig.{time.monotonic_ns()}",
        "container": {"type": "view", "view_id": "VHOME"},
        "view": {"id": "VHOME", "type": "home", "blocks": view["blocks"], "hash": "h"},
        "actions": [action],
    }
    response = running.slack.interaction(payload)
    assert response.status_code == 200, response.text


def dms_to(slack: FakeSlackServer, user: str) -> list[str]:
    return [m.text for m in slack.fake.messages_in(user)]


def wait_for_dm(slack: FakeSlackServer, user: str, needle: str, timeout: float = 15) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in slack.fake.messages_in(user):
            if needle in message.text or needle in json.dumps(message.blocks or []):
                return message.text
        time.sleep(0.02)
    raise AssertionError(f"no DM to {user} with {needle!r}: {dms_to(slack, user)}")
