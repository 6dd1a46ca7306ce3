"""Stages through the running app: a CRM (here the native /leads `stage` field) that reports
progress stops the ladder and updates the alert, so reps never click in two places; every move
is kept in the lead's history. On SQLite and PostgreSQL (the `db_url` fixture)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.ids import LeadIds
from bot.messages import validate_blocks
from bot.models import Lead, LeadStageChange
from tests.scenarios.test_ladder import (
    ESCALATE,
    SWEEP,
    click,
    ladder_config,
    lead_row,
    post_hot_lead,
    replies,
    top_level,
    wait_until,
)
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp


@pytest.fixture
def app_config(settings: Settings, slack: FakeSlackServer, db_url: str) -> Settings:
    return ladder_config(settings, slack, db_url)


def history(running: RunningApp, lead_id: int) -> list[tuple[str, str, str, str | None]]:
    with running.handoff.db.session() as session:
        rows = session.scalars(
            select(LeadStageChange)
            .where(LeadStageChange.lead_id == lead_id)
            .order_by(LeadStageChange.id)
        )
        return [(row.previous, row.stage, row.by_kind, row.by) for row in rows]


def latest(slack: FakeSlackServer, channel: str, ts: str):  # type: ignore[no-untyped-def]
    return next(m for m in slack.fake.messages_in(channel) if m.ts == ts)


def test_a_stage_from_the_crm_stops_the_ladder_and_updates_the_alert(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    lead_id = post_hot_lead(running)
    alert = top_level(slack, "UREP1", "Ada Lovelace")
    assert lead_row(running, lead_id).next_due_at is not None

    response = running.post_leads({"id": "L-1", "name": "Ada Lovelace", "stage": "Working"})
    assert response.status_code == 202, response.text
    assert response.json()["updated"] == 1

    wait_until(
        lambda: "Contacted in the CRM" in str(latest(slack, "UREP1", alert.ts).blocks),
        5,
        "the alert to show the CRM's contact",
    )
    lead = lead_row(running, lead_id)
    assert (lead.status, lead.stage, lead.next_due_at) == ("contacted", "working", None)
    assert lead.first_touched_at == lead.stage_at
    assert history(running, lead_id) == [("new", "working", "crm", None)]
    updated = latest(slack, "UREP1", alert.ts)
    validate_blocks(updated.blocks)
    assert "after it arrived" in str(updated.blocks)
    buttons = [
        e["action_id"] for b in updated.blocks if b["type"] == "actions" for e in b["elements"]
    ]
    assert LeadIds.ACK not in buttons and LeadIds.CONTACTED not in buttons

    # Past the escalation time plus a sweep: no reminder, nothing for the manager.
    started = lead.clock_started_at or lead.received_at
    time.sleep(max(0.0, ESCALATE + SWEEP + 0.5 - (time.time() - started.timestamp())))
    assert replies(slack, alert) == []
    assert slack.fake.messages_in("UMGR1") == []

    # The same stage again is a duplicate; a later stage is recorded and shown.
    again = running.post_leads({"id": "L-1", "name": "Ada Lovelace", "stage": "working"})
    assert again.json()["duplicates"] == 1
    won = running.post_leads({"id": "L-1", "name": "Ada Lovelace", "stage": "won"})
    assert won.json()["updated"] == 1
    wait_until(lambda: "Stage: Won" in str(latest(slack, "UREP1", alert.ts).blocks), 5, "the stage")
    assert [row[1] for row in history(running, lead_id)] == ["working", "won"]


def test_a_lead_that_arrives_already_worked_is_recorded_but_not_alerted(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    lead_id = post_hot_lead(running, "L-9", stage="meeting")
    lead = lead_row(running, lead_id)
    assert (lead.status, lead.stage, lead.next_due_at) == ("contacted", "meeting", None)
    assert history(running, lead_id) == [("new", "meeting", "crm", None)]
    post_hot_lead(running, "L-10")  # a later lead's alert: the outbox has worked past L-9
    top_level(slack, "UREP1", "Ada Lovelace")
    assert len(slack.fake.messages_in("UREP1")) == 1


def test_a_rep_marking_contacted_in_slack_moves_the_stage(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    lead_id = post_hot_lead(running)
    alert = top_level(slack, "UREP1", "Ada Lovelace")
    click(running, slack, alert, LeadIds.CONTACTED, user="UREP1")
    wait_until(lambda: lead_row(running, lead_id).status == "contacted", 3, "the contact")
    assert lead_row(running, lead_id).stage == "working"
    assert history(running, lead_id) == [("new", "working", "slack", "UREP1")]
    wait_until(
        lambda: "Contacted · <@UREP1>" in str(latest(slack, "UREP1", alert.ts).blocks),
        5,
        "the alert to name the rep",
    )


def test_an_unknown_stage_is_refused_naming_the_field(running: RunningApp) -> None:
    response = running.post_leads({"id": "L-2", "name": "Grace", "stage": "closed won"})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "stage" and "won" in error["error"]
    with running.handoff.db.session() as session:
        assert session.scalar(select(Lead.id).where(Lead.external_id == "L-2")) is None
