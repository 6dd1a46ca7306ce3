"""The escalation's Nudge: who may, what the rep gets, and the escalation updated in place."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.db import Database
from bot.errors import Refusal
from bot.ids import LadderIds
from bot.leads import ladder
from bot.leads.pings import nudge
from bot.messages import validate_blocks
from bot.models import Lead, OutboxMessage
from bot.people import SlackDirectory
from tests.bot.leads.test_ladder_sweep import T0, alerted

LATER = T0 + timedelta(hours=2)


@pytest.fixture
def escalated(team: Database, settings: Settings, directory: SlackDirectory):  # type: ignore[no-untyped-def]
    def make(owner: str = "UREP1") -> int:
        quick = replace(
            settings, hot_lead_sla=timedelta(minutes=15), escalate_after=timedelta(hours=1)
        )
        lead_id = alerted(team, quick, directory, owner)
        ladder.sweep(team, settings=quick, directory=directory, now=LATER)
        return lead_id

    return make


def press(db: Database, value: str, actor: str) -> str:
    with db.session() as session:
        return nudge(session, value=value, actor=actor, now=LATER).text


def rows(db: Database, method: str) -> list[OutboxMessage]:
    with db.session() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.method == method)))


def test_the_manager_nudges_the_rep_and_the_escalation_shows_it(team: Database, escalated) -> None:  # type: ignore[no-untyped-def]
    lead_id = escalated()
    reply = press(team, f"{lead_id}:1", "UMGR1")
    assert reply == "Nudged <@UREP1> about Ada Lovelace"
    dm = next(r for r in rows(team, "chat.postMessage") if r.key == f"lead:{lead_id}:nudge:1")
    assert dm.channel == "UREP1" and "<@UMGR1>" in dm.args["text"]
    validate_blocks(dm.args["blocks"])
    [update] = rows(team, "chat.update")
    assert update.target_key == f"lead:{lead_id}:escalation:1"
    blocks = str(update.args["blocks"])
    assert "nudged" in blocks and LadderIds.NUDGE not in blocks  # the Nudge button goes
    validate_blocks(update.args["blocks"])

    with pytest.raises(Refusal, match="already been nudged"):
        press(team, f"{lead_id}:1", "UMGR1")


@pytest.mark.parametrize("actor", ["UREP1", "UREP2", "UMKT1", "UOUTSIDER"])
def test_only_the_manager_or_an_admin_may_nudge(team: Database, escalated, actor: str) -> None:  # type: ignore[no-untyped-def]
    lead_id = escalated()
    with pytest.raises(Refusal, match="Only the rep's manager or an admin"):
        press(team, f"{lead_id}:1", actor)
    assert [r.key for r in rows(team, "chat.postMessage") if "nudge" in (r.key or "")] == []


def test_an_admin_may_nudge_and_any_manager_for_a_rep_without_one(
    team: Database, escalated
) -> None:  # type: ignore[no-untyped-def]
    first, second = escalated("UREP1"), escalated("UREP3")
    press(team, f"{first}:1", "UADMIN")
    press(team, f"{second}:1", "UMGR1")
    [update] = [
        r for r in rows(team, "chat.update") if r.target_key == f"lead:{second}:escalation:1"
    ]
    assert "sales channel" in str(update.args["blocks"])  # still says where it was posted


def test_no_nudge_once_the_rep_has_acted(team: Database, escalated) -> None:  # type: ignore[no-untyped-def]
    lead_id = escalated()
    with team.session() as session:
        session.get(Lead, lead_id).status = "contacted"  # type: ignore[union-attr]
    with pytest.raises(Refusal, match="Rita Rep has contacted them already"):
        press(team, f"{lead_id}:1", "UMGR1")


@pytest.mark.parametrize("value", ["", "abc", "1", "1:2:3", "999999:1"])
def test_a_bad_or_stale_button_value_is_answered_politely(team: Database, value: str) -> None:
    with pytest.raises(Refusal, match="nothing was sent"):
        press(team, value, "UMGR1")
