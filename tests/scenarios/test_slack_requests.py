"""POST /slack/events under attack: forged, replayed and odd requests get 401 or a polite no-op,
never a 5xx, a traceback, or a call to a URL taken from an unverified body."""

from __future__ import annotations

import http.server
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.scenarios.test_feedback_support import feedback, marketing_post
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp
from tests.support.slack_requests import slack_headers


class HitRecorder:
    """A local HTTP server that records every request it gets (the attacker's target)."""

    def __init__(self) -> None:
        hits = self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                hits.append(self.path)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hit"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> HitRecorder:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder() -> Iterator[HitRecorder]:
    with HitRecorder() as server:
        yield server


def command_body(response_url: str, command: str = "/feedback", text: str = "hello") -> str:
    return urlencode(
        {
            "command": command,
            "text": text,
            "user_id": "UREP1",
            "team_id": "T0001",
            "channel_id": "CSALES",
            "response_url": response_url,
            "trigger_id": "1.2.x",
        }
    )


def forged_headers(secret: str, body: str) -> list[dict[str, Any]]:
    good = slack_headers(secret, body)
    form = {"content-type": "application/x-www-form-urlencoded"}
    now = str(int(time.time()))
    return [
        {**form, "x-slack-request-timestamp": "abc", "x-slack-signature": "v0=1"},
        {
            **form,
            "x-slack-request-timestamp": "abc",
            "x-slack-signature": good["x-slack-signature"],
        },
        {**form, "x-slack-request-timestamp": "+12", "x-slack-signature": "v0=1"},
        {**form, "x-slack-request-timestamp": "1e9", "x-slack-signature": "v0=zz"},
        {**form, "x-slack-request-timestamp": now, "x-slack-signature": "v0=" + "0" * 64},
        {
            **form,
            "x-slack-request-timestamp": now,
            "x-slack-signature": "v0=\u00fcn\u00efcode".encode("latin-1"),
        },
        {**form, "x-slack-request-timestamp": now},
        {**form, "x-slack-signature": good["x-slack-signature"]},
        form,
        slack_headers("the-wrong-secret", body),
        slack_headers(secret, body, timestamp=int(time.time()) - 400),
        slack_headers(secret, body, timestamp=int(time.time()) + 400),
    ]


def test_forged_requests_get_401_and_never_reach_the_response_url(
    running: RunningApp,
    slack: FakeSlackServer,
    recorder: HitRecorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = running.settings.slack_signing_secret or ""
    body = command_body(recorder.url)
    for headers in forged_headers(secret, body):
        response = running.http.post("/slack/events", content=body, headers=headers)
        assert response.status_code == 401, headers
        assert "response_url" not in response.text
    time.sleep(0.5)  # anything sent after the answer would have arrived by now
    assert recorder.hits == []
    assert slack.fake.calls_to("response_url") == []
    assert not [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]


def test_a_verified_request_never_calls_a_response_url_off_slack(
    running: RunningApp, recorder: HitRecorder, caplog: pytest.LogCaptureFixture
) -> None:
    # Even signed (a leaked secret, a misbehaving proxy): the error boundary's "Sorry" and
    # every reply go to Slack's hosts only.
    response = running.slack.command("/leads", "bogus words", response_url=recorder.url)
    assert response.status_code == 200
    response = running.slack.command("/nonsense", response_url=recorder.url)
    assert response.status_code == 200  # an unknown command: a no-op
    time.sleep(0.5)
    assert recorder.hits == []


def silent_socket() -> socket.socket:
    """A TCP port that accepts connections and never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(200)
    return sock


def test_forty_five_forged_requests_at_a_silent_url_do_not_stall_the_server(
    running: RunningApp,
) -> None:
    silent = silent_socket()
    try:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/never"
        body = command_body(url)
        headers = {
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": "abc",
            "x-slack-signature": "v0=1",
        }

        answers: list[int] = []

        def forge() -> None:
            with httpx.Client(base_url=running.url, timeout=20) as client:
                try:
                    answers.append(
                        client.post("/slack/events", content=body, headers=headers).status_code
                    )
                except httpx.HTTPError as exc:
                    answers.append(type(exc).__name__)  # type: ignore[arg-type]

        threads = [threading.Thread(target=forge, daemon=True) for _ in range(45)]
        for thread in threads:
            thread.start()
        # Not a timing assertion: the health check must be answered while the forged
        # requests are in flight and their target stays silent (5 s is a generous bound).
        with httpx.Client(base_url=running.url, timeout=5) as client:
            assert client.get("/healthz").status_code == 200
        for thread in threads:
            thread.join(30)
        assert answers == [401] * 45
    finally:
        silent.close()


def signed(running: RunningApp, body: str, content_type: str | None = None) -> httpx.Response:
    return running.slack.post(body, content_type=content_type)


@pytest.mark.parametrize(
    "body",
    [
        "payload=null",
        "payload=%5B%5D",
        "payload=1",
        "payload=%7B%7D",
        "payload=not-json",
        "payload=" + json.dumps({"type": "block_actions", "actions": []}),
        "payload=" + json.dumps({"type": "block_actions", "actions": [None]}),
        "payload="
        + json.dumps({"type": "block_actions", "user": {"id": "UREP1"}, "actions": [{}]}),
        "payload=" + json.dumps({"type": "no_such_type", "user": {"id": "UREP1"}}),
        "payload=" + json.dumps({"type": "view_submission", "view": None}),
        "payload=" + json.dumps({"type": "view_submission", "view": {"callback_id": []}}),
        "",
        "command=",
        "command=%2Ffeedback",
        "{}",
        "[]",
    ],
)
def test_signed_but_odd_requests_are_a_polite_no_op(
    running: RunningApp, body: str, caplog: pytest.LogCaptureFixture
) -> None:
    response = signed(running, body.replace(" ", "+") if body.startswith("payload") else body)
    assert response.status_code < 500, response.text
    assert response.status_code in (200, 400)


def test_unsigned_junk_gets_401_and_one_short_rate_limited_log_line(
    running: RunningApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for _ in range(50):
        response = running.http.post(
            "/slack/events",
            content="payload=null",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 401
    lines = [r for r in caplog.records if r.name.startswith(("handlers", "slack_bolt", "handoff"))]
    assert 1 <= len(lines) <= 2
    assert all(len(r.getMessage()) < 200 and not r.exc_info for r in lines)


def test_a_replayed_feedback_is_refused_and_posts_once(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    body = command_body(slack.response_url("CSALES", "UREP1"), text="replayed words here")
    headers = slack_headers(running.settings.slack_signing_secret or "", body)
    first = running.http.post("/slack/events", content=body, headers=headers)
    assert first.status_code == 200
    marketing_post(slack, "replayed words here")
    again = running.http.post("/slack/events", content=body, headers=headers)
    assert again.status_code == 401
    feedback(running, slack, "a later, different feedback")
    marketing_post(slack, "a later, different feedback")
    posts = [
        c for c in slack.fake.calls_to("chat.postMessage") if "replayed words" in json.dumps(c)
    ]
    assert len(posts) == 1


def test_an_events_api_retry_is_never_refused_as_a_replay(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    # Slack re-sends an event with X-Slack-Retry-Num; even byte-identical with the same
    # signature (a retry within the same second), it gets 200 and is handled once.
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": "T0001",
            "api_app_id": "A0001",
            "event_id": "EvRetried",
            "event_time": int(time.time()),
            "event": {"type": "app_home_opened", "user": "UREP1", "tab": "home"},
        }
    )
    headers = {**slack_headers(running.settings.slack_signing_secret or "", body)}
    headers["content-type"] = "application/json"
    first = running.http.post("/slack/events", content=body, headers=headers)
    retry = running.http.post(
        "/slack/events",
        content=body,
        headers={**headers, "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"},
    )
    assert (first.status_code, retry.status_code) == (200, 200)
    slack.fake.wait_for("views.publish")
    time.sleep(0.3)
    assert len(slack.fake.calls_to("views.publish")) == 1
