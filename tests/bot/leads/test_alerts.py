"""Alerts as services (no Slack): what the intake listener queues, and who may act."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from unittest.mock import Mock

import pytest
from slack_sdk import WebClient
from sqlalchemy import event, select

from bot.config import Settings
from bot.db import Database
from bot.ids import LeadIds
from bot.leads import intake
from bot.leads.validate import parse_batch
from bot.messages import validate_blocks
from bot.models import Campaign, Lead, OutboxMessage
from bot.people import SlackDirectory
from bot.permissions import may_act_on_lead
from bot.services import Handoff


@pytest.fixture
def handoff(team: Database, settings: Settings) -> Iterator[Handoff]:
    """The real services on the test database, with a fake Slack client."""
    services = Handoff.build(settings, db=team)
    services.client = Mock(spec=WebClient)
    try:
        yield services
    finally:
        services.stop()


def receive(handoff: Handoff, *payloads: dict[str, Any]) -> list[intake.LeadChange]:
    """A batch through `Handoff.receive_leads`, the path POST /leads takes after validation."""
    return handoff.receive_leads(parse_batch(list(payloads))).changes


def outbox(db: Database) -> list[OutboxMessage]:
    with db.session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def lead_row(db: Database, external_id: str) -> Lead:
    with db.session() as session:
        lead = session.scalar(select(Lead).where(Lead.external_id == external_id))
        assert lead is not None
        return lead


def action_ids(blocks: list[dict[str, Any]]) -> list[str]:
    return [
        element["action_id"]
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def test_a_new_hot_lead_alerts_its_owner_once(
    team: Database, settings: Settings, directory: SlackDirectory, handoff: Handoff
) -> None:
    receive(handoff, {"id": "a1", "name": "Ada", "score": 95, "owner": "UREP1"})
    lead = lead_row(team, "a1")
    [row] = outbox(team)
    assert row.method == "chat.postMessage"
    assert row.key == f"lead:{lead.id}:alert:UREP1"
    assert row.args["channel"] == "UREP1"
    validate_blocks(row.args["blocks"])
    assert LeadIds.ACK in action_ids(row.args["blocks"])
    assert lead.alerted_at is not None
    assert lead.next_due_at is not None  # the ladder's clock is running
    assert lead.clock_started_at is not None


def test_cold_leads_are_never_alerted(
    team: Database, settings: Settings, directory: SlackDirectory, handoff: Handoff
) -> None:
    receive(handoff, {"id": "c1", "name": "Cold", "score": 10, "owner": "UREP1"})
    receive(handoff, {"id": "c2", "name": "Cold", "score": 10})
    receive(handoff, {"id": "c1", "name": "Still cold", "score": 20})
    assert outbox(team) == []
    assert lead_row(team, "c1").next_due_at is None


def test_an_unassigned_hot_lead_is_offered_in_the_sales_channel(
    team: Database, settings: Settings, directory: SlackDirectory, handoff: Handoff
) -> None:
    receive(handoff, {"id": "u1", "name": "Nobody's", "hot": True})
    lead = lead_row(team, "u1")
    [row] = outbox(team)
    assert row.key == f"lead:{lead.id}:claim"
    assert row.args["channel"] == "CSALES"
    assert action_ids(row.args["blocks"]) == [LeadIds.CLAIM]
    assert lead.next_due_at is None  # no owner, no ladder


def test_a_resent_lead_does_not_alert_again(
    team: Database, settings: Settings, directory: SlackDirectory, handoff: Handoff
) -> None:
    first = {"id": "r1", "name": "Ada", "score": 95, "owner": "UREP1"}
    receive(handoff, first)
    changes = receive(handoff, {**first, "note": "called back"})
    assert [c.created for c in changes] == [False]
    assert len(outbox(team)) == 1


def test_an_owner_change_is_a_reassignment(
    team: Database, settings: Settings, directory: SlackDirectory, handoff: Handoff
) -> None:
    receive(handoff, {"id": "o1", "name": "Ada", "score": 95, "owner": "UREP1"})
    receive(handoff, {"id": "o1", "name": "Ada", "owner": "UREP2"})
    lead = lead_row(team, "o1")
    first, update, alert = outbox(team)
    assert update.method == "chat.update"
    assert update.target_key == first.key == f"lead:{lead.id}:alert:UREP1"
    assert "Reassigned to <@UREP2> by the CRM" in str(update.args["blocks"])
    assert action_ids(update.args["blocks"]) == []
    assert alert.key == f"lead:{lead.id}:alert:UREP2" and alert.args["channel"] == "UREP2"


def test_reassigned_back_updates_the_old_alert_and_says_so_in_its_thread(
    team: Database, settings: Settings, directory: SlackDirectory, handoff: Handoff
) -> None:
    lead = {"id": "b1", "name": "Ada", "score": 95}
    receive(handoff, {**lead, "owner": "UREP1"})
    receive(handoff, {**lead, "owner": "UREP2"})
    receive(handoff, {**lead, "owner": "UREP1"})
    rows = outbox(team)
    key = rows[0].key
    posts = [r for r in rows if r.method == "chat.postMessage"]
    assert [r.key for r in posts].count(key) == 1  # never a second top-level alert
    back = [r for r in posts if r.thread_key == key]
    assert len(back) == 1 and "back with you" in back[0].args["text"]
    updates = [r for r in rows if r.method == "chat.update" and r.target_key == key]
    assert LeadIds.ACK in action_ids(updates[-1].args["blocks"])


def test_a_lead_that_turns_hot_alerts_once(
    team: Database, settings: Settings, directory: SlackDirectory, handoff: Handoff
) -> None:
    lead = {"id": "h1", "name": "Ada", "owner": "UREP1"}
    receive(handoff, {**lead, "score": 40})
    assert outbox(team) == []
    changes = receive(handoff, {**lead, "score": 90})
    assert changes[0].became_hot
    receive(handoff, {**lead, "score": 99})
    assert [r.method for r in outbox(team)] == ["chat.postMessage"]


def test_campaign_context_or_its_absence_is_in_the_alert(
    team: Database, settings: Settings, directory: SlackDirectory, handoff: Handoff
) -> None:
    with team.session() as session:
        session.add(
            Campaign(
                code="spring",
                name="Spring webinar",
                offer="30-day trial",
                talking_points="Ask about their reporting",
                landing_url="https://example.com/spring",
            )
        )
    receive(
        handoff,
        {"id": "k1", "name": "Known", "hot": True, "owner": "UREP1", "campaign": "Spring"},
        {"id": "k2", "name": "Unknown", "hot": True, "owner": "UREP1", "campaign": "autumn"},
        {"id": "k3", "name": "None", "hot": True, "owner": "UREP1"},
    )
    known, unknown, none = (str(r.args["blocks"]) for r in outbox(team))
    assert "Spring webinar" in known and "30-day trial" in known
    assert "Ask about their reporting" in known
    assert "<https://example.com/spring|https://example.com/spring>" in known
    assert "unknown campaign code `autumn`" in unknown
    assert "No campaign" in none


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [
        ("UREP1", True),  # the owner
        ("UMGR1", True),  # the owner's manager
        ("UADMIN", True),
        ("UREP2", False),  # another rep with the same manager
        ("UMKT1", False),
        ("UOUTSIDER", False),  # not on the roster
    ],
)
def test_who_may_act_on_a_lead(team: Database, actor: str, allowed: bool) -> None:
    with team.session() as session:
        lead = Lead(external_id="p1", name="Ada", hot=True, owner_id="UREP1")
        session.add(lead)
        session.flush()
        assert may_act_on_lead(session, actor, lead) is allowed


def test_a_rep_without_a_manager_is_only_covered_by_admins(team: Database) -> None:
    with team.session() as session:
        lead = Lead(external_id="p2", name="Ada", hot=True, owner_id="UREP3")
        session.add(lead)
        session.flush()
        assert not may_act_on_lead(session, "UMGR1", lead)
        assert may_act_on_lead(session, "UADMIN", lead)


def test_a_lead_the_crm_unassigns_goes_back_to_the_sales_channel(
    team: Database, settings: Settings, directory: SlackDirectory, handoff: Handoff
) -> None:
    receive(handoff, {"id": "n1", "name": "Ada", "score": 95, "owner": "UREP1"})
    receive(handoff, {"id": "n1", "name": "Ada", "owner": None})
    lead = lead_row(team, "n1")
    alert, update, offer = outbox(team)
    assert update.target_key == alert.key
    assert "Unassigned by the CRM" in str(update.args["blocks"])
    assert offer.key == f"lead:{lead.id}:claim" and offer.args["channel"] == "CSALES"
    assert lead.next_due_at is None


def statements_for(handoff: Handoff, batch: list[dict[str, Any]]) -> int:
    """How many statements storing `batch` and alerting on it sends to the database."""
    sent: list[str] = []

    def count(*_args: Any) -> None:
        sent.append("statement")

    event.listen(handoff.db.engine, "before_cursor_execute", count)
    try:
        receive(handoff, *batch)
    finally:
        event.remove(handoff.db.engine, "before_cursor_execute", count)
    return len(sent)


@pytest.mark.parametrize("burst", [5, 0], ids=["folded", "each-alone"])
def test_a_batchs_hot_leads_are_alerted_with_statements_per_batch_not_per_lead(
    team: Database, settings: Settings, burst: int
) -> None:
    """What every new hot lead's alert reads (its message keys, its owner's zone, the owner's
    burst window) is read once for the batch, whether the leads fold or each gets an alert of
    its own: twenty more hot leads for the same reps add no statement on PostgreSQL, which
    writes their rows in batches, and at most one each on SQLite, where the ORM inserts a row
    at a time to learn its id. Read per lead, they took four to ten statements each."""
    handoff = Handoff.build(replace(settings, alert_burst=burst), db=team)
    handoff.client = Mock(spec=WebClient)

    def batch(prefix: str, size: int) -> list[dict[str, Any]]:
        owners = ("UREP1", "UREP2", "UREP3", "UMGR1")
        return [
            {"id": f"{prefix}-{n}", "name": f"Lead {n}", "score": 95, "owner": owners[n % 4]}
            for n in range(size)
        ]

    try:
        statements_for(handoff, batch("warm", 24))  # every rep past the burst already
        small = statements_for(handoff, batch("small", 20))
        large = statements_for(handoff, batch("large", 40))
    finally:
        handoff.stop()
    assert large - small <= (2 if team.is_postgres else 20), (small, large)
    posts = [row for row in outbox(team) if row.method == "chat.postMessage"]
    assert {row.args["channel"] for row in posts} == {"UREP1", "UREP2", "UREP3", "UMGR1"}
    assert len(posts) == (4 * (5 + 1) if burst else 84)  # 5 alone + 1 fold each, or all 84
