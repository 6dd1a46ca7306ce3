"""Helpers for the /feedback scenarios (no tests here): the command with a response_url the
fake knows, the ephemeral answers, the marketing post, and Block Kit checks of everything."""

from __future__ import annotations

import time
from typing import Any

import httpx

from bot.messages import MAX_VIEW_BLOCKS, validate_blocks
from bot.models import Campaign
from sandbox.fakeslack.models import Message
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp

MARKETING = "CMARKETING"


def add_campaign(running: RunningApp, code: str = "spring", name: str = "Spring Webinar") -> int:
    with running.handoff.db.session() as session:
        campaign = Campaign(code=code, name=name, created_by="UMKT1")
        session.add(campaign)
        session.flush()
        return campaign.id


def feedback(
    running: RunningApp, slack: FakeSlackServer, text: str, *, user: str = "UREP1"
) -> httpx.Response:
    """`/feedback text` from `user` in the sales channel; returns Slack's HTTP answer (the ack)."""
    response = running.slack.command(
        "/feedback", text, user=user, response_url=slack.response_url("CSALES", user=user)
    )
    assert response.status_code == 200, response.text
    return response


def ack_body(response: httpx.Response) -> dict[str, Any]:
    """What the ack said (an empty body means a bare ack)."""
    return response.json() if response.content else {}


def answers(slack: FakeSlackServer, user: str, count: int = 1, timeout: float = 5) -> list[str]:
    """The ephemeral answers `user` got through response_urls (text and blocks as one string)."""
    slack.fake.wait_for("response_url", count=count, timeout=timeout)
    deadline = time.monotonic() + timeout
    while len(found := slack.fake.ephemerals_for(user)) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return [e.text + " " + str(e.blocks or "") for e in found]


def marketing_post(slack: FakeSlackServer, words: str, timeout: float = 5) -> Message:
    """The message in the marketing channel whose fallback text has `words`."""
    slack.fake.wait_for(
        "chat.postMessage",
        predicate=lambda a: a["channel"] == MARKETING and words in a.get("text", ""),
        timeout=timeout,
    )
    [post] = [m for m in slack.fake.messages_in(MARKETING) if words in m.text]
    return post


def blocks_text(message: Message | dict[str, Any]) -> str:
    blocks = message.blocks if isinstance(message, Message) else message.get("blocks")
    return str(blocks or "")


def all_valid(slack: FakeSlackServer) -> int:
    """Validate the blocks of every message, update, response and modal the app sent; returns
    how many were checked."""
    checked = 0
    for method in ("chat.postMessage", "chat.update", "chat.postEphemeral", "response_url"):
        for call in slack.fake.calls_to(method, status=None):
            if call.get("blocks"):
                validate_blocks(call["blocks"])
                checked += 1
    for method in ("views.open", "views.update", "views.push"):
        for call in slack.fake.calls_to(method, status=None):
            validate_blocks(call["view"]["blocks"], MAX_VIEW_BLOCKS)
            checked += 1
    return checked
