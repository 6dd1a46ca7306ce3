"""The foundation through real HTTP: health, Slack signature checks, concurrency, POST /leads."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import func, select

from bot.models import Lead
from tests.support.running_app import RunningApp
from tests.support.slack_requests import slack_headers


def lead(n: int | str = 1, **fields: object) -> dict:
    return {"id": f"crm-{n}", "name": f"Lead {n}", **fields}


def count_leads(running: RunningApp) -> int:
    with running.handoff.db.session() as session:
        return session.scalar(select(func.count()).select_from(Lead)) or 0


def test_health(running: RunningApp) -> None:
    response = running.http.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == "ok"


def test_unknown_route_is_json_404(running: RunningApp) -> None:
    response = running.http.get("/nope")
    assert response.status_code == 404 and "error" in response.json()


def test_forged_slack_requests_are_refused(running: RunningApp) -> None:
    body = "command=%2Fleads&user_id=UREP1&text="
    url = "/slack/events"
    assert running.http.post(url, content=body).status_code == 401
    wrong = slack_headers("not-the-secret", body)
    assert running.http.post(url, content=body, headers=wrong).status_code == 401
    stale = slack_headers(
        running.settings.slack_signing_secret, body, timestamp=int(time.time()) - 301
    )
    assert running.http.post(url, content=body, headers=stale).status_code == 401
    tampered = slack_headers(running.settings.slack_signing_secret, body)
    assert running.http.post(url, content=body + "x", headers=tampered).status_code == 401


def test_twenty_commands_at_once_are_all_acked_quickly(running: RunningApp) -> None:
    """A slow listener (0.3 s before it acks) must not serialise requests."""
    entered = threading.Semaphore(0)

    @running.bolt.command("/probe")
    def probe(ack) -> None:  # type: ignore[no-untyped-def]
        entered.release()
        time.sleep(0.3)
        ack("ok")

    def send(_n: int) -> tuple[int, float]:
        started = time.monotonic()
        response = running.slack.command("/probe")
        return response.status_code, time.monotonic() - started

    started = time.monotonic()
    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(send, range(20)))
    elapsed = time.monotonic() - started
    assert [status for status, _ in results] == [200] * 20
    assert max(seconds for _, seconds in results) < 2.0, results
    assert elapsed < 2.0  # serialised, 20 x 0.3 s would take 6 s


def test_leads_are_accepted_and_idempotent(running: RunningApp) -> None:
    response = running.post_leads([lead(1, score=95), lead(2, score=10)])
    assert response.status_code == 202
    assert response.json() == {"accepted": 2, "updated": 0, "duplicates": 0, "hot": 1}
    again = running.post_leads([lead(1, score=95), lead(2, score=10)])
    assert again.json() == {"accepted": 0, "updated": 0, "duplicates": 2, "hot": 0}
    changed = running.post_leads(lead(2, score=10, company="Acme"))
    assert changed.json()["updated"] == 1
    assert count_leads(running) == 2


def test_bearer_secret_is_accepted(running: RunningApp) -> None:
    body = json.dumps(lead("bearer")).encode()
    headers = {"authorization": f"Bearer {running.settings.leads_webhook_secret}"}
    assert running.http.post("/leads", content=body, headers=headers).status_code == 202


def test_bad_credentials_store_nothing(running: RunningApp) -> None:
    body = json.dumps(lead()).encode()
    for headers in (
        {},
        {"authorization": "Bearer wrong-secret-wrong-secret"},
        {"authorization": "Basic abc"},
        {"x-handoff-signature": "sha256=" + "0" * 64},
        {"x-handoff-signature": "garbage"},
    ):
        response = running.http.post("/leads", content=body, headers=headers)
        assert response.status_code == 401, headers
        assert "error" in response.json()
    assert running.post_leads(lead(), secret="another-secret-entirely").status_code == 401
    assert count_leads(running) == 0


def test_malformed_json_is_400(running: RunningApp) -> None:
    secret = running.settings.leads_webhook_secret
    for body in (b"{not json", b"\xff\xfe", b""):
        headers = {"authorization": f"Bearer {secret}"}
        response = running.http.post("/leads", content=body, headers=headers)
        assert response.status_code == 400, body
        assert "not valid JSON" in response.json()["error"]


def test_invalid_leads_are_422_with_index_and_field_and_nothing_stored(running: RunningApp) -> None:
    response = running.post_leads([lead(1), {"name": "no id"}, lead(3, score="hot")])
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {(e["index"], e["field"]) for e in errors} == {(1, "id"), (2, "score")}
    assert count_leads(running) == 0
    assert running.post_leads([lead(n) for n in range(501)]).status_code == 422
    assert running.post_leads([]).status_code == 422
    assert running.post_leads("just a string").status_code == 422


def test_over_one_mib_is_413(running: RunningApp) -> None:
    big = json.dumps(lead(note="x" * (3 * 1024 * 1024))).encode()
    headers = {"authorization": f"Bearer {running.settings.leads_webhook_secret}"}
    assert running.http.post("/leads", content=big, headers=headers).status_code == 413

    def chunks():  # no Content-Length: the limit holds while streaming too
        for _ in range(3 * 1024):
            yield b"x" * 1024

    streamed = running.http.post("/leads", content=chunks(), headers=headers)
    assert streamed.status_code == 413
    assert count_leads(running) == 0


def test_unicode_everywhere(running: RunningApp) -> None:
    payload = lead(
        "ünï-😀",
        name="Zoë Ødegård 李雷 مرحبا",
        company="Ācme “Quotes” <b>",
        note="emoji 🚀 and RTL \u202e",
        custom_field={"ключ": "значение"},
    )
    assert running.post_leads(payload).status_code == 202
    with running.handoff.db.session() as session:
        stored = session.scalar(select(Lead))
    assert stored.external_id == "crm-ünï-😀"
    assert stored.name == "Zoë Ødegård 李雷 مرحبا"
    assert stored.extra == {"custom_field": {"ключ": "значение"}}


def test_a_500_lead_batch_twice(running: RunningApp) -> None:
    batch = [lead(n, score=n % 100, email=f"p{n}@example.com") for n in range(500)]
    first = running.post_leads(batch)
    assert first.status_code == 202 and first.json()["accepted"] == 500
    second = running.post_leads(batch)
    assert second.json() == {"accepted": 0, "updated": 0, "duplicates": 500, "hot": 0}
    assert count_leads(running) == 500


def test_wrong_method(running: RunningApp) -> None:
    response = httpx.get(f"{running.url}/leads")
    assert response.status_code == 405


def test_owner_email_is_matched_in_roster_then_slack(running: RunningApp, slack) -> None:  # type: ignore[no-untyped-def]
    slack.fake.add_user("UNEWREP", "Nina New", email="nina@example.com")
    response = running.post_leads(
        [
            lead(1, owner_email="rita@example.com"),
            lead(2, owner_email="NINA@example.com"),
            lead(3, owner_email="nobody@example.com"),
            lead(4, owner="UREP2"),
        ]
    )
    assert response.status_code == 202
    # The roster answers at once; Slack is asked after the 202, in the background.
    slack.fake.wait_for("users.lookupByEmail", count=2)
    deadline = time.monotonic() + 10
    while True:
        with running.handoff.db.session() as session:
            owners = dict(session.execute(select(Lead.external_id, Lead.owner_id)).all())
            pending = session.scalar(select(func.count()).where(Lead.owner_pending.is_(True)))
        if not pending or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert owners == {"crm-1": "UREP1", "crm-2": "UNEWREP", "crm-3": None, "crm-4": "UREP2"}
    looked_up = [c["email"] for c in slack.fake.calls_to("users.lookupByEmail")]
    assert sorted(looked_up) == ["nina@example.com", "nobody@example.com"]
