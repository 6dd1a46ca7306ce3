"""Generated bodies through the running app's POST /leads, signed and unsigned: no 5xx (the
database is up, so a 503 would be a lie), no hang, a JSON answer every time, and nothing stored
unless the answer is 202."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.models import Lead
from tests.support.lead_fuzz import any_json, body_bytes, garbage_bodies, lead_bodies
from tests.support.running_app import RunningApp
from tests.support.slack_requests import lead_headers

ENDPOINT_FUZZ = settings(
    max_examples=500,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # one app for all examples, on purpose
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@pytest.fixture
def client(running: RunningApp) -> Iterator[httpx.Client]:
    """A client that gives up after 10 s: a hang fails the test instead of stalling it.

    A new connection per request: on a kept-alive one each answer waits ~40 ms for the
    client's delayed ACK (uvicorn writes the headers and the body separately)."""
    no_keepalive = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(base_url=running.url, timeout=10, limits=no_keepalive) as http:
        yield http


def count_leads(running: RunningApp) -> int:
    with running.handoff.db.session() as session:
        return session.scalar(select(func.count()).select_from(Lead)) or 0


def test_signed_generated_bodies_get_a_clear_answer(
    running: RunningApp, client: httpx.Client
) -> None:
    secret = running.settings.leads_webhook_secret or ""
    statuses: Counter[int] = Counter()

    @ENDPOINT_FUZZ
    @given(lead_bodies | garbage_bodies)
    def post(text: str | bytes) -> None:
        body = body_bytes(text)
        before = count_leads(running)
        response = client.post("/leads", content=body, headers=lead_headers(secret, body))
        statuses[response.status_code] += 1
        assert response.status_code in {202, 400, 413, 422}, response.text[:500]
        answer = response.json()
        if response.status_code == 202:
            assert set(answer) == {"accepted", "updated", "duplicates", "hot"}
            assert count_leads(running) == before + answer["accepted"]
        else:
            assert isinstance(answer["error"], str)
            assert count_leads(running) == before

    post()
    assert sum(statuses.values()) >= 500
    # The generator is meant to reach storage as well as refusal; if it stops doing so, the
    # test no longer proves much.
    assert statuses[202] >= 25 and statuses[422] >= 25 and statuses[400] >= 5, statuses


FORGED = [
    {"content-type": "application/json"},
    {"x-handoff-signature": "sha256=" + "0" * 64},
    {"x-handoff-signature": "sha256=not-hex"},
    {"x-handoff-signature": ""},
    {"authorization": "Bearer wrong-secret"},
    {"authorization": "Basic dXNlcjpwYXNz"},
]


def test_unsigned_generated_bodies_are_401(running: RunningApp, client: httpx.Client) -> None:
    @ENDPOINT_FUZZ
    @given(st.binary(max_size=300) | any_json, st.sampled_from(FORGED))
    def post(text: str | bytes, headers: dict[str, str]) -> None:
        body = body_bytes(text)
        response = client.post("/leads", content=body, headers=headers)
        assert response.status_code == 401
        assert response.json()["error"].startswith("not authorised")

    post()
    assert count_leads(running) == 0
