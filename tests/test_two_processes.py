"""Two `python app.py` processes on one PostgreSQL database and one fake Slack: every alert,
reminder and escalation is sent exactly once (the sweep claims due leads with
FOR UPDATE SKIP LOCKED, the outbox claims its rows the same way, and pings are unique)."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import httpx

from bot.db import Database
from bot.signing import sign_body
from sandbox.fakeslack import Message
from tests.support.app_process import AppProcess, app_env
from tests.support.databases import postgres_database
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.team import seed_team

MANAGED, UNMANAGED = 6, 4  # leads of Rita (manager Maria) and of Noah (no manager)


def post(app: AppProcess, lead: dict) -> None:
    body = json.dumps(lead).encode()
    headers = {"x-handoff-signature": sign_body(app.env["LEADS_WEBHOOK_SECRET"], body)}
    response = httpx.post(f"{app.url}/leads", content=body, headers=headers, timeout=10)
    assert response.status_code == 202, response.text


def top_level(slack: FakeSlackServer, channel: str) -> list[Message]:
    return [m for m in slack.fake.messages_in(channel) if m.thread_ts is None]


def wait_for_count(slack: FakeSlackServer, channel: str, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while len(top_level(slack, channel)) < count:
        if time.monotonic() > deadline:
            texts = [m.text for m in top_level(slack, channel)]
            raise AssertionError(f"{channel}: wanted {count} messages, got {texts}")
        time.sleep(0.05)


def test_two_processes_send_every_alert_reminder_and_escalation_once(tmp_path: Path) -> None:
    with postgres_database() as url, FakeSlackServer() as slack:
        slack.fake.add_channel("CSALES", "sales")
        slack.fake.add_channel("CMARKETING", "marketing")
        db = Database(url)
        db.upgrade()
        seed_team(db, slack.fake)
        db.dispose()
        env = app_env(slack.url, url, HOT_LEAD_SLA="2s", ESCALATE_AFTER="4s", SWEEP_INTERVAL="1s")
        with AppProcess(env, tmp_path) as first, AppProcess(env, tmp_path) as second:
            apps = [first, second]
            leads = [
                {"id": f"r-{n}", "name": f"Rita lead {n}", "score": 95, "owner": "UREP1"}
                for n in range(MANAGED)
            ] + [
                {"id": f"n-{n}", "name": f"Noah lead {n}", "score": 95, "owner": "UREP3"}
                for n in range(UNMANAGED)
            ]
            leads.append({"id": "u-1", "name": "Nobody's lead", "score": 95})
            for index, lead in enumerate(leads):
                post(apps[index % 2], lead)

            wait_for_count(slack, "UMGR1", MANAGED, timeout=30)
            wait_for_count(slack, "CSALES", UNMANAGED + 1, timeout=30)
            time.sleep(2.5)  # a few more sweeps in both processes: nothing more may come

            for rep, count in (("UREP1", MANAGED), ("UREP3", UNMANAGED)):
                alerts = top_level(slack, rep)
                assert len(alerts) == count, [m.text for m in alerts]
                assert len({m.text for m in alerts}) == count
                for alert in alerts:
                    thread = slack.fake.thread(alert.channel, alert.ts)
                    assert len(thread) == 2, [m.text for m in thread]  # alert + one reminder
            escalations = Counter(m.text for m in top_level(slack, "UMGR1"))
            assert len(escalations) == MANAGED and set(escalations.values()) == {1}
            in_sales = Counter(m.text for m in top_level(slack, "CSALES"))
            assert set(in_sales.values()) == {1} and len(in_sales) == UNMANAGED + 1
            assert any("Nobody's lead" in text for text in in_sales)
            for app in apps:
                assert "Traceback" not in app.output()
