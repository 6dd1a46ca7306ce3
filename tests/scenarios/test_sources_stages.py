"""A CRM's stage through a source stops the ladder and updates the alert in place, with the
source's name ("Contacted in HubSpot"); on SQLite and PostgreSQL (the `db_url` fixture)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.messages import validate_blocks
from bot.models import LeadStageChange
from tests.scenarios import sources_steps
from tests.scenarios.sources_steps import lead, source_config
from tests.scenarios.test_alerts_support import delivered
from tests.scenarios.test_ladder import ESCALATE, SLA, SWEEP, replies
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp
from tests.support.sources import post_signed, sample

hubspot_api = sources_steps.hubspot_api
sources_file = sources_steps.sources_file
with_owners = sources_steps.with_owners
pytestmark = pytest.mark.usefixtures("with_owners")


@pytest.fixture
def app_config(
    settings: Settings, slack: FakeSlackServer, db_url: str, sources_file: Path
) -> Settings:
    from datetime import timedelta

    return source_config(
        settings,
        slack,
        db_url,
        sources_file,
        hot_lead_sla=timedelta(seconds=SLA),
        escalate_after=timedelta(seconds=ESCALATE),
        sweep_interval=timedelta(seconds=SWEEP),
    )


def current(slack: FakeSlackServer, channel: str, ts: str):  # type: ignore[no-untyped-def]
    return next(m for m in slack.fake.messages_in(channel) if m.ts == ts)


def history(running: RunningApp, lead_id: int) -> list[tuple[str, str, str | None]]:
    with running.handoff.db.session() as session:
        rows = session.scalars(
            select(LeadStageChange)
            .where(LeadStageChange.lead_id == lead_id)
            .order_by(LeadStageChange.id)
        )
        return [(row.previous, row.stage, row.by) for row in rows]


def test_a_hubspot_lead_status_stops_the_ladder_and_updates_the_alert(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    data = json.loads(sample("hubspot_workflow_object.json"))
    body = json.dumps(data).encode()
    assert post_signed(running.http, running.url, "hubspot", body).status_code == 202
    alert = delivered(slack, "UREP1", "Bryan Cooper")
    stored = lead(running, "512")
    assert stored is not None and stored.next_due_at is not None

    data["properties"]["hs_lead_status"] = "IN_PROGRESS"
    moved = post_signed(running.http, running.url, "hubspot", json.dumps(data).encode())
    assert moved.status_code == 202 and moved.json()["updated"] == 1
    sources_steps.wait_until(
        lambda: "Contacted in HubSpot" in str(current(slack, "UREP1", alert.ts).blocks),
        5,
        "the alert to show the contact in HubSpot",
    )
    validate_blocks(current(slack, "UREP1", alert.ts).blocks)
    stored = lead(running, "512")
    assert stored is not None
    assert (stored.status, stored.stage, stored.next_due_at) == ("contacted", "working", None)
    assert history(running, stored.id) == [("new", "working", "HubSpot")]
    started = stored.clock_started_at or stored.received_at
    time.sleep(max(0.0, ESCALATE + SWEEP + 0.5 - (time.time() - started.timestamp())))
    assert replies(slack, alert) == []
    assert slack.fake.messages_in("UMGR1") == []

    # HubSpot re-sending NEW never moves the lead back.
    data["properties"]["hs_lead_status"] = "NEW"
    post_signed(running.http, running.url, "hubspot", json.dumps(data).encode())
    assert lead(running, "512").stage == "working"  # type: ignore[union-attr]


def test_a_salesforce_status_and_a_json_stage_map(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    body = sample("salesforce_outbound.xml")
    assert post_signed(running.http, running.url, "salesforce", body).status_code == 200
    alert = delivered(slack, "UREP2", "Sean Forbes")
    later = body.replace(b"Open - Not Contacted", b"Working - Contacted")
    later = later.replace(b"04l0000000000", b"04l0000000009").replace(b"T21:5", b"T22:5")
    assert post_signed(running.http, running.url, "salesforce", later).status_code == 200
    sources_steps.wait_until(
        lambda: "Contacted in Salesforce" in str(current(slack, "UREP2", alert.ts).blocks),
        5,
        "the alert to show the contact in Salesforce",
    )
    zap = {"lead": {"id": "z-1", "first": "Zed", "last": "Zapp", "score": 99}}
    post_signed(running.http, running.url, "zapier", json.dumps(zap).encode())
    zap["lead"]["status"] = "Demo booked"
    post_signed(running.http, running.url, "zapier", json.dumps(zap).encode())
    stored = lead(running, "z-1")
    assert stored is not None and stored.stage == "meeting"
    assert history(running, stored.id) == [("new", "meeting", "zapier")]
