"""`SlackStatus`: which auth.test answers stop Handoff, which only mean "Slack is unreachable"."""

from __future__ import annotations

import socket
from dataclasses import replace
from datetime import timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import select, update

from bot.config import Settings
from bot.db import Database
from bot.models import OutboxMessage, utcnow
from bot.outbox import enqueue
from bot.services import Handoff
from bot.slack_status import SlackStatus, TokenRejected
from sandbox.fakeslack import FakeSlack
from tests.support.fake_slack_server import FakeSlackServer


def status_for(url: str, token: str = "xoxb-test", **kwargs: object) -> SlackStatus:
    return SlackStatus(WebClient(token=token, base_url=url, timeout=5), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_error_answers_mean_unreachable_and_recovery_is_noticed(status: int) -> None:
    recovered: list[bool] = []
    with FakeSlackServer() as slack:
        slack.fake.fail_next("auth.test", status=status, retry_after=7 if status == 429 else None)
        checker = status_for(slack.url, on_recovery=lambda: recovered.append(True))
        assert checker.check() is False
        report = checker.report()
        assert report["slack"] == "unreachable" and f"HTTP {status}" in report["slack_detail"]
        if status == 429:
            assert "Retry-After 7s" in report["slack_detail"]
        assert checker.identity is None and not recovered
        assert checker.check() is True
        assert checker.report() == {"slack": "ok"} and recovered == [True]
        assert checker.identity is not None and checker.identity.user_id


def test_a_refused_connection_means_unreachable() -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    try:
        checker = status_for(f"http://127.0.0.1:{closed.getsockname()[1]}/api/")
        assert checker.check() is False
        assert checker.report()["slack"] == "unreachable"
    finally:
        closed.close()


def test_a_rejected_token_raises() -> None:
    with FakeSlackServer(FakeSlack(valid_tokens={"xoxb-good"})) as slack:
        checker = status_for(slack.url, token="xoxb-bad")
        with pytest.raises(TokenRejected) as rejected:
            checker.check()
        assert rejected.value.error == "invalid_auth"
        assert checker.report()["slack"] == "token rejected"


def test_when_slack_answers_again_waiting_messages_are_due_at_once(
    db: Database, settings: Settings
) -> None:
    later = utcnow() + timedelta(hours=1)
    with db.session() as session:
        enqueue(session, "chat.postMessage", key="owed", channel="CSALES", text="owed")
    with db.session() as session:
        session.execute(update(OutboxMessage).values(next_attempt_at=later, attempts=9))
    with FakeSlackServer() as slack:
        handoff = Handoff.build(replace(settings, slack_api_url=slack.url), db=db)
        assert handoff.slack is not None
        slack.fake.fail_next("auth.test", status=503)
        assert handoff.slack.check() is False
        assert handoff.slack.check() is True
    with db.session() as session:
        due = session.scalar(select(OutboxMessage.next_attempt_at))
    assert due is not None and due.replace(tzinfo=None) <= utcnow().replace(tzinfo=None)
