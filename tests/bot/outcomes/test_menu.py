"""The outcome menu's service: who may record an outcome, on which leads, and what it stores."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.db import Database
from bot.errors import Refusal
from bot.leads.render import outcome_options
from bot.models import Lead, LeadStageChange
from bot.outcomes.menu import parse_choice, record_outcome
from bot.states import LeadStage

NOW = datetime(2026, 11, 17, 15, tzinfo=UTC)


def add(db: Database, status: str, stage: str = "working") -> int:
    with db.session() as session:
        lead = Lead(external_id="m1", name="M", owner_id="UREP1", status=status, stage=stage)
        session.add(lead)
        session.flush()
        return lead.id


def test_the_owner_records_won(team: Database) -> None:
    lead_id = add(team, "contacted")
    with team.session() as session:
        lead = record_outcome(session, lead_id, "UREP1", stage=LeadStage.WON, now=NOW)
        assert (lead.stage, lead.stage_at) == ("won", NOW)
        [change] = session.query(LeadStageChange).all()
        assert (change.previous, change.stage, change.by_kind, change.by) == (
            "working",
            "won",
            "slack",
            "UREP1",
        )


@pytest.mark.parametrize(
    ("status", "stage", "actor", "words"),
    [
        ("claimed", "new", "UREP1", "Mark the lead contacted first"),
        ("contacted", "won", "UREP1", "It is already marked Won"),
        ("contacted", "working", "UREP2", "Only the lead's owner, their manager or an admin"),
    ],
)
def test_refusals(team: Database, status: str, stage: str, actor: str, words: str) -> None:
    lead_id = add(team, status, stage)
    with pytest.raises(Refusal, match=words), team.session() as session:
        record_outcome(session, lead_id, actor, stage=LeadStage.WON, now=NOW)


def test_the_admin_and_the_manager_may(team: Database) -> None:
    lead_id = add(team, "contacted")
    for actor, stage in (("UMGR1", LeadStage.MEETING), ("UADMIN", LeadStage.LOST)):
        with team.session() as session:
            assert record_outcome(session, lead_id, actor, stage=stage, now=NOW).stage == stage


@pytest.mark.parametrize("value", ["7:new", "7:working", "7:disqualified", "7", "7:nope", ""])
def test_only_the_menus_outcomes_are_taken(value: str) -> None:
    with pytest.raises(Refusal, match="out of date"):
        parse_choice(value)


def test_the_options_leave_out_the_current_stage() -> None:
    lead = Lead(id=7, stage="meeting")
    assert outcome_options(lead) == [("7:won", "Won"), ("7:lost", "Lost")]
    assert parse_choice("7:won") is LeadStage.WON
