"""`SlackStatus`: which auth.test answers stop Handoff, which only mean "Slack is unreachable"."""

from __future__ import annotations

import socket

import pytest
from slack_sdk import WebClient

from bot.fakeslack import FakeSlack
from bot.slack_status import SlackStatus, TokenRejected
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
