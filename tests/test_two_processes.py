"""Two `python app.py` processes on one PostgreSQL database and one fake Slack: every alert,
reminder and escalation is sent exactly once (the sweep claims due leads with
FOR UPDATE SKIP LOCKED, the outbox claims its rows the same way, and pings are unique)."""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx
from sqlalchemy import select

from bot.db import Database
from bot.models import Lead, OutboxMessage, Ping
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


def rows_per_lead(db: Database) -> tuple[dict[str, Counter], dict[str, Counter]]:
    """Per lead (by its CRM id): its ping rows by step, and its posted outbox rows by kind
    (the third part of the key: alert, claim, reminder, escalation)."""
    pings: dict[str, Counter] = defaultdict(Counter)
    posts: dict[str, Counter] = defaultdict(Counter)
    with db.session() as session:
        external = dict(session.execute(select(Lead.id, Lead.external_id)).all())
        for lead_id, step in session.execute(select(Ping.lead_id, Ping.step)):
            pings[external[lead_id]][step] += 1
        keys = session.scalars(
            select(OutboxMessage.key).where(
                OutboxMessage.method == "chat.postMessage", OutboxMessage.key.like("lead:%")
            )
        )
        for key in keys:
            _, lead_id, kind, *_ = key.split(":")
            posts[external[int(lead_id)]][kind] += 1
    return pings, posts


def test_two_processes_send_every_alert_reminder_and_escalation_once(tmp_path: Path) -> None:
    with postgres_database() as url, FakeSlackServer() as slack:
        slack.fake.add_channel("CSALES", "sales")
        slack.fake.add_channel("CMARKETING", "marketing")
        db = Database(url)
        db.upgrade()
        seed_team(db, slack.fake)
        db.dispose()
        # Each alert is counted on its own: a burst is not folded here (ALERT_BURST=0).
        env = app_env(
            slack.url,
            url,
            HOT_LEAD_SLA="2s",
            ESCALATE_AFTER="4s",
            SWEEP_INTERVAL="1s",
            ALERT_BURST="0",
        )
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
        # The database agrees, lead by lead: one ping row and one posted message per step.
        # (Each guard on its own - SKIP LOCKED, the unique ping, the unique outbox key - would
        # already keep Slack clean; these counts show a duplicate row any of them let through.)
        db = Database(url)
        try:
            pings, posts = rows_per_lead(db)
        finally:
            db.dispose()
        for lead in leads:
            external = lead["id"]
            if "owner" in lead:
                assert pings[external] == Counter({0: 1, 1: 1}), (external, pings[external])
                kinds = Counter({"alert": 1, "reminder": 1, "escalation": 1})
                assert posts[external] == kinds, (external, posts[external])
            else:  # nobody's lead: offered in the sales channel, no ladder
                assert pings[external] == Counter(), (external, pings[external])
                assert posts[external] == Counter({"claim": 1}), (external, posts[external])
