"""No message lost or doubled: Slack outages while leads arrive, and a crash mid-delivery."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx

from bot.db import Database
from bot.signing import sign_body
from tests.support.app_process import AppProcess, app_env
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp
from tests.support.team import seed_team

OWNERS = ["UREP1", "UREP2", "UREP3"]


def hot_leads(prefix: str, count: int) -> list[dict]:
    return [
        {"id": f"{prefix}-{n}", "name": f"Hot {prefix}-{n}", "score": 95, "owner": OWNERS[n % 3]}
        for n in range(count)
    ]


def is_alert(call: dict) -> bool:
    """A hot-lead alert DM'd to a rep. Only these are counted: a run that lasts past the app's
    first digest refresh (a minute after start) may also DM a manager their digest, or not,
    depending on the time of day the test runs at."""
    return (
        call.get("channel") in OWNERS
        and not call.get("thread_ts")
        and call.get("text", "").startswith("Hot lead: ")
    )


def wait_until(condition, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def test_alerts_wait_out_a_slack_outage_and_arrive_once(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    slack.fake.fail_for(2.0, status=503)
    first = running.post_leads(hot_leads("out", 6))
    assert first.status_code == 202 and first.json()["hot"] == 6
    time.sleep(1.0)
    slack.fake.heal()
    slack.fake.fail_for(1.5, status=429, retry_after=1)
    second = running.post_leads(hot_leads("rl", 4))
    assert second.status_code == 202
    slack.fake.wait_for(
        "chat.postMessage",
        10,
        timeout=40,
        predicate=is_alert,
    )
    time.sleep(1.0)
    dms = [c for c in slack.fake.calls_to("chat.postMessage") if is_alert(c)]
    assert len(dms) == 10 and len({c["text"] for c in dms}) == 10
    failed = [c for c in slack.fake.calls if c["status"] in (429, 503)]
    assert failed, "the outage did not happen"


def test_a_crash_mid_delivery_loses_and_repeats_nothing(tmp_path: Path, db_url: str) -> None:
    with FakeSlackServer() as slack:
        env = app_env(slack.url, db_url)
        first = AppProcess(env, tmp_path).start()
        db = Database(db_url)
        seed_team(db, slack.fake)
        db.dispose()
        slack.fake.fail_for(60, status=503)  # Slack is down: alerts stay in the outbox
        body = json.dumps(hot_leads("crash", 5)).encode()
        headers = {"x-handoff-signature": sign_body(env["LEADS_WEBHOOK_SECRET"], body)}
        assert httpx.post(f"{first.url}/leads", content=body, headers=headers).status_code == 202
        wait_until(lambda: any(c["status"] == 503 for c in slack.fake.calls))
        first.kill()  # SIGKILL while messages are queued and being retried
        slack.fake.heal()
        slack.fake.reset_calls()
        second = AppProcess(env, tmp_path).start()
        try:
            slack.fake.wait_for(
                "chat.postMessage",
                5,
                timeout=90,
                predicate=is_alert,
            )
            time.sleep(1.0)
        finally:
            second.stop()
        dms = [c for c in slack.fake.calls_to("chat.postMessage") if is_alert(c)]
        assert len(dms) == 5 and len({c["text"] for c in dms}) == 5
