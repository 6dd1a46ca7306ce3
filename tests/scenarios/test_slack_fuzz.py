"""Fuzz POST /slack/events with generated bodies, signed and unsigned, through the running app:
no 5xx and no hang, whatever the body, its fields or its content type."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp
from tests.support.slack_requests import slack_headers

USERS = st.sampled_from(["UREP1", "UMKT1", "UMGR1", "UADMIN", "UOUTSIDER", "", "U\x00"])
TYPES = st.sampled_from(
    [
        "block_actions",
        "view_submission",
        "view_closed",
        "shortcut",
        "message_action",
        "block_suggestion",
        "interactive_message",
        "event_callback",
        "url_verification",
        "app_rate_limited",
    ]
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
ACTION_IDS = st.sampled_from(
    ["lead_claim", "lead_ack", "lead_contacted", "lead_snooze", "lead_not_fit", "x", ""]
)


def action() -> st.SearchStrategy[Any]:
    return (
        st.fixed_dictionaries(
            {"action_id": ACTION_IDS | st.text(max_size=10), "block_id": st.text(max_size=8)},
            optional={"value": st.text(max_size=12) | JSON, "type": st.text(max_size=8)},
        )
        | JSON
    )


def interaction() -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries(
        {"type": TYPES | st.text(max_size=10) | JSON},
        optional={
            "user": st.fixed_dictionaries({"id": USERS}) | JSON,
            "actions": st.lists(action(), max_size=3) | JSON,
            "view": st.fixed_dictionaries(
                {"callback_id": st.text(max_size=10), "private_metadata": st.text(max_size=30)},
                optional={"state": JSON},
            )
            | JSON,
            "team": JSON,
            "callback_id": st.text(max_size=10),
            "trigger_id": st.text(max_size=10),
            "container": JSON,
            "channel": JSON,
            "message": JSON,
        },
    )


def command(fake_url: str) -> st.SearchStrategy[str]:
    return st.builds(
        lambda name, text, user, extra: urlencode(
            {
                "command": name,
                "text": text,
                "user_id": user,
                "channel_id": "CSALES",
                "team_id": "T0001",
                "trigger_id": "1.2.x",
                "response_url": fake_url,
                **extra,
            }
        ),
        st.sampled_from(["/feedback", "/leads", "/campaign", "/nope", "", "feedback"]),
        st.text(max_size=60),
        USERS,
        st.dictionaries(st.text(max_size=8), st.text(max_size=12), max_size=3),
    )


def bodies(fake_url: str, signed: bool) -> st.SearchStrategy[tuple[bytes, str | None]]:
    form = "application/x-www-form-urlencoded"
    content_types = st.sampled_from(
        [form, "application/json", "text/plain", "multipart/form-data; boundary=x", None]
    ) | st.text(max_size=20).filter(lambda t: t.isprintable() and t.isascii() and t == t.strip())
    text_bodies = st.one_of(
        command(fake_url),
        st.builds(lambda p: urlencode({"payload": json.dumps(p)}), interaction()),
        st.builds(lambda p: urlencode({"payload": json.dumps(p)}), JSON),
        st.builds(lambda p: "payload=" + p, st.text(max_size=40)),
        st.builds(urlencode, st.dictionaries(st.text(max_size=10), st.text(max_size=20))),
        st.builds(
            lambda e, i: json.dumps({"type": "event_callback", "event_id": i, "event": e}),
            st.fixed_dictionaries(
                {"type": st.sampled_from(["app_home_opened", "x"])},
                optional={"user": USERS, "tab": st.text(max_size=6)},
            )
            | JSON,
            st.text(max_size=10) | JSON,
        ),
        st.builds(json.dumps, JSON),
        st.text(max_size=80),
    )
    encoded = text_bodies.map(lambda b: b.encode("utf-8", "surrogatepass"))
    return st.tuples(encoded if signed else encoded | st.binary(max_size=80), content_types)


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
def test_generated_bodies_never_get_a_5xx_or_hang(
    running: RunningApp, slack: FakeSlackServer, signed: bool
) -> None:
    secret = running.settings.slack_signing_secret or ""
    fake_url = slack.response_url("CSALES", "UREP1")
    client = httpx.Client(base_url=running.url, timeout=10)  # a hang fails as a timeout
    sent: list[int] = []

    @settings(
        max_examples=500,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(bodies(fake_url, signed))
    def post(generated: tuple[bytes, str | None]) -> None:
        body, content_type = generated
        assume(b"slack.com" not in body)  # never send the app to the real Slack
        headers = slack_headers(secret, body.decode("utf-8")) if signed else {}
        if content_type is not None:
            headers["content-type"] = content_type
        else:
            headers.pop("content-type", None)
        response = client.post("/slack/events", content=body, headers=headers)
        assert response.status_code < 500, (response.status_code, body, headers)
        if not signed:
            assert response.status_code == 401
        sent.append(response.status_code)

    try:
        post()
        assert client.get("/healthz").status_code == 200
    finally:
        client.close()
    assert len(sent) >= 500
