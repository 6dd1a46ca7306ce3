"""REASSIGN_AFTER: an untouched hot lead moves on to the next eligible rep (outbox rows; no
Slack). The test team's reps by name: Noah (UREP3, no manager), Ravi (UREP2), Rita (UREP1);
Ravi and Rita's manager is Maria (UMGR1). WORKING_HOURS=always, HOT_LEAD_SLA=15m,
ESCALATE_AFTER=1h."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.db import Database
from bot.leads import actions, ladder, moveon
from bot.messages import validate_blocks
from bot.models import Campaign, Lead, OutboxMessage, Person, Ping, RoutingDecision
from bot.people import SlackDirectory
from bot.routing.pools import set_campaign_reps
from bot.routing.why import why
from bot.states import AssignedHow
from tests.bot.leads.test_ladder_sweep import T0, alerted, lead_row

MIN = timedelta(minutes=1)


def moving(settings: Settings, after: timedelta, max_reassigns: int = 2) -> Settings:
    return replace(
        settings,
        hot_lead_sla=timedelta(minutes=15),
        escalate_after=timedelta(hours=1),
        reassign_after=after,
        max_reassigns=max_reassigns,
    )


@pytest.fixture
def later(settings: Settings) -> Settings:
    """The move comes after the escalation."""
    return moving(settings, timedelta(minutes=90))


@pytest.fixture
def sooner(settings: Settings) -> Settings:
    """The move takes the escalation's place."""
    return moving(settings, timedelta(minutes=45))


def sweep(db: Database, settings: Settings, directory: SlackDirectory, at: datetime) -> None:
    ladder.sweep(db, settings=settings, directory=directory, now=at, move_on=moveon.move_on)


def rows(db: Database, lead_id: int) -> list[OutboxMessage]:
    with db.session() as session:
        found = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [
            r
            for r in found
            if f"lead:{lead_id}:" in (r.key or "") + (r.target_key or "") + (r.thread_key or "")
        ]


def message(row: OutboxMessage) -> str:
    validate_blocks(row.args["blocks"])
    return row.args["text"] + str(row.args["blocks"])


def posted(db: Database, lead_id: int, key: str) -> OutboxMessage:
    [row] = [r for r in rows(db, lead_id) if r.key == key]
    return row


def updates_of(db: Database, lead_id: int, key: str) -> list[OutboxMessage]:
    return [r for r in rows(db, lead_id) if r.target_key == key]


def pinged(db: Database, lead_id: int) -> list[tuple[int, int, str]]:
    with db.session() as session:
        found = session.scalars(select(Ping).where(Ping.lead_id == lead_id).order_by(Ping.id))
        return [(p.cycle, p.step, p.recipient_id) for p in found]


def away(db: Database, *reps: str) -> None:
    with db.session() as session:
        for person in session.scalars(select(Person).where(Person.slack_id.in_(reps))):
            person.away_since = T0 - timedelta(days=1)


def test_through_the_whole_ladder_twice_then_it_stays(
    team: Database, later: Settings, directory: SlackDirectory
) -> None:
    lead_id = alerted(team, later, directory, "UREP1")
    sweep(team, later, directory, T0 + 16 * MIN)
    sweep(team, later, directory, T0 + 61 * MIN)
    assert pinged(team, lead_id) == [(1, 0, "UREP1"), (1, 1, "UMGR1")]
    reminder = posted(team, lead_id, f"lead:{lead_id}:reminder:1")
    assert "your manager is told, and later it moves on to another rep" in message(reminder)
    lead = lead_row(team, lead_id)
    assert (lead.ladder_step, lead.next_due_at) == (ladder.REASSIGN, T0 + 90 * MIN)

    sweep(team, later, directory, T0 + 89 * MIN)
    assert lead_row(team, lead_id).owner_id == "UREP1"  # not yet
    sweep(team, later, directory, T0 + 91 * MIN)
    lead = lead_row(team, lead_id)
    assert lead.owner_id == "UREP3"  # Noah: first in turn among the others
    assert (lead.auto_reassigns, lead.assigned_how, lead.assigned_from) == (
        1,
        AssignedHow.AUTO_REASSIGNED,
        "UREP1",
    )
    # The ladder restarts for the new owner: a new cycle, counted from the move.
    assert (lead.ladder_cycle, lead.ladder_step) == (2, ladder.REMINDER)
    assert lead.clock_started_at == lead.assigned_at == T0 + 91 * MIN
    assert lead.next_due_at == T0 + (91 + 15) * MIN
    alert = posted(team, lead_id, f"lead:{lead_id}:alert:UREP3")
    assert "Reassigned to you after 1h 30m untouched (from <@UREP1>)" in message(alert)
    [old] = updates_of(team, lead_id, f"lead:{lead_id}:alert:UREP1")
    shown = message(old)
    assert "No longer yours" in shown and "Reassigned to <@UREP3> after 1h 30m untouched" in shown
    [escalation] = updates_of(team, lead_id, f"lead:{lead_id}:escalation:1")
    shown = message(escalation)
    assert "Reassigned to <@UREP3> after 1h 30m untouched" in shown
    assert "has not acted" not in shown and "actions" not in str(escalation.args["blocks"])

    # Noah has no manager: his escalation goes to the sales channel, then Ravi gets the lead
    # (Rita had it before).
    sweep(team, later, directory, T0 + (91 + 16) * MIN)
    sweep(team, later, directory, T0 + (91 + 61) * MIN)
    sweep(team, later, directory, T0 + (91 + 91) * MIN)
    lead = lead_row(team, lead_id)
    assert (lead.owner_id, lead.auto_reassigns, lead.assigned_from) == ("UREP2", 2, "UREP3")
    start = T0 + 182 * MIN
    # MAX_REASSIGNS (2) reached: Ravi's ladder ends with the escalation to Maria.
    sweep(team, later, directory, start + 16 * MIN)
    sweep(team, later, directory, start + 61 * MIN)
    lead = lead_row(team, lead_id)
    assert (lead.ladder_step, lead.next_due_at) == (ladder.DONE, None)
    sweep(team, later, directory, start + 10 * 60 * MIN)
    assert lead_row(team, lead_id).owner_id == "UREP2"
    assert pinged(team, lead_id) == [
        (1, 0, "UREP1"),
        (1, 1, "UMGR1"),
        (2, 0, "UREP3"),
        (2, 1, "CSALES"),
        (3, 0, "UREP2"),
        (3, 1, "UMGR1"),
    ]
    last = posted(team, lead_id, f"lead:{lead_id}:reminder:3")
    assert "If nobody acts, your manager is told." in message(last)

    with team.session() as session:
        shown = str(why(session, "UMGR1", str(lead_id)).blocks)
    assert "reassigned by Handoff after 1h 30m untouched from <@UREP3>" in shown
    assert "*Moved on from <@UREP1>* (untouched)" in shown and "chose <@UREP3>" in shown
    assert "*Moved on from <@UREP3>* (untouched)" in shown and "chose <@UREP2>" in shown
    assert "<@UREP1> (had it before)" in shown


def test_a_move_not_later_than_the_escalation_takes_its_place(
    team: Database, sooner: Settings, directory: SlackDirectory
) -> None:
    lead_id = alerted(team, sooner, directory, "UREP1")
    sweep(team, sooner, directory, T0 + 16 * MIN)
    assert "If nobody acts, it moves on to another rep." in message(
        posted(team, lead_id, f"lead:{lead_id}:reminder:1")
    )
    assert lead_row(team, lead_id).next_due_at == T0 + 45 * MIN
    sweep(team, sooner, directory, T0 + 46 * MIN)
    assert lead_row(team, lead_id).owner_id == "UREP3"
    sweep(team, sooner, directory, T0 + (46 + 16) * MIN)
    sweep(team, sooner, directory, T0 + (46 + 46) * MIN)
    assert lead_row(team, lead_id).owner_id == "UREP2"
    start = T0 + 92 * MIN
    sweep(team, sooner, directory, start + 16 * MIN)
    # The last owner's ladder is the full one: nobody was escalated about the earlier owners.
    assert lead_row(team, lead_id).next_due_at == start + 60 * MIN
    sweep(team, sooner, directory, start + 61 * MIN)
    assert pinged(team, lead_id) == [
        (1, 0, "UREP1"),
        (2, 0, "UREP3"),
        (3, 0, "UREP2"),
        (3, 1, "UMGR1"),
    ]
    assert lead_row(team, lead_id).ladder_step == ladder.DONE


def test_equal_durations_move_rather_than_escalate(
    team: Database, settings: Settings, directory: SlackDirectory
) -> None:
    same = moving(settings, timedelta(hours=1))
    lead_id = alerted(team, same, directory, "UREP1")
    sweep(team, same, directory, T0 + 16 * MIN)
    sweep(team, same, directory, T0 + 61 * MIN)
    assert lead_row(team, lead_id).owner_id == "UREP3"
    assert pinged(team, lead_id) == [(1, 0, "UREP1")]


def test_nobody_else_eligible_the_escalation_goes_out_at_once_and_says_so(
    team: Database, sooner: Settings, directory: SlackDirectory
) -> None:
    away(team, "UREP2", "UREP3")
    lead_id = alerted(team, sooner, directory, "UREP1")
    sweep(team, sooner, directory, T0 + 16 * MIN)
    sweep(team, sooner, directory, T0 + 46 * MIN)
    lead = lead_row(team, lead_id)
    assert (lead.owner_id, lead.auto_reassigns, lead.ladder_step) == ("UREP1", 0, ladder.DONE)
    assert pinged(team, lead_id) == [(1, 0, "UREP1"), (1, 1, "UMGR1")]
    shown = message(posted(team, lead_id, f"lead:{lead_id}:escalation:1"))
    assert "Handoff tried to move it on to another rep" in shown
    assert "nobody else in the team is working and free now" in shown
    assert "it stays with <@UREP1>" in shown
    with team.session() as session:
        shown = str(why(session, "UADMIN", str(lead_id)).blocks)
    assert "nobody else was eligible; it stayed with <@UREP1>" in shown


def test_nobody_else_eligible_after_the_escalation_is_said_in_its_thread(
    team: Database, later: Settings, directory: SlackDirectory
) -> None:
    away(team, "UREP2", "UREP3")
    lead_id = alerted(team, later, directory, "UREP1")
    for minutes in (16, 61, 91, 300):
        sweep(team, later, directory, T0 + minutes * MIN)
    assert lead_row(team, lead_id).owner_id == "UREP1"
    note = posted(team, lead_id, f"lead:{lead_id}:stuck:1")
    assert note.thread_key == f"lead:{lead_id}:escalation:1"
    shown = message(note)
    assert "nobody else in the team is working and free now" in shown
    assert "it stays with <@UREP1>" in shown
    assert lead_row(team, lead_id).ladder_step == ladder.DONE


def test_back_to_an_earlier_owner_only_when_nobody_else_is_free(
    team: Database, sooner: Settings, directory: SlackDirectory
) -> None:
    lead_id = alerted(team, sooner, directory, "UREP1")
    sweep(team, sooner, directory, T0 + 16 * MIN)
    sweep(team, sooner, directory, T0 + 46 * MIN)
    assert lead_row(team, lead_id).owner_id == "UREP3"
    away(team, "UREP2")
    sweep(team, sooner, directory, T0 + (46 + 16) * MIN)
    sweep(team, sooner, directory, T0 + (46 + 46) * MIN)
    lead = lead_row(team, lead_id)
    assert (lead.owner_id, lead.assigned_from, lead.auto_reassigns) == ("UREP1", "UREP3", 2)
    # Rita's old alert is brought up to date and says in its thread that the lead is back.
    alert = f"lead:{lead_id}:alert:UREP1"
    assert any(r.thread_key == alert for r in rows(team, lead_id))
    assert "Reassigned to you after 45m untouched (from <@UREP3>)" in message(
        updates_of(team, lead_id, alert)[-1]
    )


def test_never_back_to_the_same_rep(
    team: Database, sooner: Settings, directory: SlackDirectory
) -> None:
    """Only the current owner is free: the lead stays with them and that is said."""
    away(team, "UREP2", "UREP3")
    lead_id = alerted(team, sooner, directory, "UREP1")
    sweep(team, sooner, directory, T0 + 16 * MIN)
    sweep(team, sooner, directory, T0 + 46 * MIN)
    with team.session() as session:
        decisions = session.scalars(
            select(RoutingDecision).where(RoutingDecision.lead_id == lead_id)
        ).all()
    assert [(d.chosen, d.reassigned_from) for d in decisions] == [(None, "UREP1")]
    considered = {c["slack_id"]: c["skipped"] for c in decisions[0].considered}
    assert considered["UREP1"] == "had it before"


@pytest.mark.parametrize("act", ["ack", "snooze", "contacted", "not_fit"])
def test_a_lead_acted_on_never_moves(
    team: Database, sooner: Settings, directory: SlackDirectory, act: str
) -> None:
    lead_id = alerted(team, sooner, directory, "UREP1")
    sweep(team, sooner, directory, T0 + 16 * MIN)
    with team.session() as session:
        now = T0 + 20 * MIN
        if act == "ack":
            actions.acknowledge(session, lead_id, "UREP1", now=now)
        elif act == "contacted":
            actions.mark_contacted(session, lead_id, "UREP1", now=now)
        elif act == "snooze":
            actions.snooze(
                session,
                lead_id,
                "UREP1",
                choice="1h",
                settings=sooner,
                directory=directory,
                now=now,
            )
        else:
            actions.mark_not_fit(
                session, lead_id, "UREP1", reason="spam", note=None, settings=sooner, now=now
            )
    # (A snooze ends at 80m: the lead is open again and its clock starts from zero.)
    for minutes in (46, 60, 79) if act == "snooze" else (46, 60, 120, 300):
        sweep(team, sooner, directory, T0 + minutes * MIN)
    lead = lead_row(team, lead_id)
    assert (lead.owner_id, lead.auto_reassigns) == ("UREP1", 0)
    assert pinged(team, lead_id) == [(1, 0, "UREP1")]


def test_a_claimed_lead_on_the_ladder_does_not_move(
    team: Database, sooner: Settings, directory: SlackDirectory
) -> None:
    """A lead claimed from the sales channel climbs its owner's ladder, but it was acted on."""
    lead_id = alerted(team, sooner, directory, "UREP1", status="claimed")
    for minutes in (16, 46, 61, 120):
        sweep(team, sooner, directory, T0 + minutes * MIN)
    assert lead_row(team, lead_id).owner_id == "UREP1"
    assert pinged(team, lead_id) == [(1, 0, "UREP1"), (1, 1, "UMGR1")]


def test_stored_done_rows_stay_done(
    team: Database, sooner: Settings, directory: SlackDirectory
) -> None:
    lead_id = alerted(team, sooner, directory, "UREP1")
    with team.session() as session:
        lead = session.get(Lead, lead_id)
        assert lead is not None
        lead.ladder_step, lead.next_due_at = 2, T0  # as a row written before the REASSIGN step
    sweep(team, sooner, directory, T0 + 300 * MIN)
    lead = lead_row(team, lead_id)
    assert (lead.owner_id, lead.ladder_step, lead.next_due_at) == ("UREP1", 2, None)
    assert pinged(team, lead_id) == []


def test_turned_off_after_the_reminder_the_ladder_goes_on_to_the_escalation(
    team: Database, sooner: Settings, settings: Settings, directory: SlackDirectory
) -> None:
    lead_id = alerted(team, sooner, directory, "UREP1")
    sweep(team, sooner, directory, T0 + 16 * MIN)
    off = replace(sooner, reassign_after=None)
    ladder.sweep(team, settings=off, directory=directory, now=T0 + 46 * MIN)
    assert lead_row(team, lead_id).next_due_at == T0 + 60 * MIN
    ladder.sweep(team, settings=off, directory=directory, now=T0 + 61 * MIN)
    assert lead_row(team, lead_id).owner_id == "UREP1"
    assert pinged(team, lead_id) == [(1, 0, "UREP1"), (1, 1, "UMGR1")]


def test_the_sweep_needs_move_on_when_reassign_after_is_set(
    team: Database, sooner: Settings, directory: SlackDirectory
) -> None:
    with pytest.raises(ValueError, match="move_on"):
        ladder.sweep(team, settings=sooner, directory=directory, now=T0)


def test_two_sweeps_at_once_move_each_lead_once(
    team: Database, sooner: Settings, directory: SlackDirectory
) -> None:
    """The move happens inside the sweep's claiming transaction: two processes sweeping at
    the same moment (threads here) move each lead once, and share them out fairly."""
    ids = [alerted(team, sooner, directory, "UREP1") for _ in range(10)]
    sweep(team, sooner, directory, T0 + 16 * MIN)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def racer() -> None:
        try:
            barrier.wait(5)
            sweep(team, sooner, directory, T0 + 46 * MIN)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=racer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with team.session() as session:
        leads = session.scalars(select(Lead).where(Lead.id.in_(ids))).all()
        decisions = session.scalars(
            select(RoutingDecision.lead_id).where(RoutingDecision.lead_id.in_(ids))
        ).all()
        alerts = session.scalars(
            select(OutboxMessage.key).where(
                OutboxMessage.method == "chat.postMessage", OutboxMessage.key.like("lead:%:alert:%")
            )
        ).all()
    assert sorted(decisions) == sorted(ids)
    assert all(lead.auto_reassigns == 1 for lead in leads)
    owners = Counter(lead.owner_id for lead in leads)
    assert owners == Counter({"UREP2": 5, "UREP3": 5})
    assert len([key for key in alerts if not (key or "").endswith(":UREP1")]) == 10


def test_a_campaign_lead_moves_on_within_its_campaigns_pool(
    team: Database, sooner: Settings, directory: SlackDirectory
) -> None:
    """Noah would be next in the team's turn, but the campaign names Rita and Ravi only."""
    with team.session() as session:
        campaign = Campaign(code="spring", name="Spring webinar")
        session.add(campaign)
        session.flush()
        set_campaign_reps(session, campaign.id, ["UREP1", "UREP2"])
        campaign_id = campaign.id
    lead_id = alerted(team, sooner, directory, "UREP1", campaign_code="spring")
    with team.session() as session:
        session.get(Lead, lead_id).campaign_id = campaign_id  # type: ignore[union-attr]
    sweep(team, sooner, directory, T0 + 16 * MIN)
    sweep(team, sooner, directory, T0 + 46 * MIN)
    lead = lead_row(team, lead_id)
    assert (lead.owner_id, lead.assigned_how) == ("UREP2", AssignedHow.AUTO_REASSIGNED)
    with team.session() as session:
        decision = session.scalars(
            select(RoutingDecision).where(RoutingDecision.lead_id == lead_id)
        ).one()
        assert decision.pool == f"campaign:{campaign_id}"
        assert decision.reassigned_from == "UREP1"
        considered = {c["slack_id"] for c in decision.considered}
    assert considered == {"UREP1", "UREP2"}  # Noah is not in this campaign's pool
