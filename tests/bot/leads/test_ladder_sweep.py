"""The sweep: what it sends when, exactly once, to whom (outbox rows; no Slack involved)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import outbox
from bot.config import Settings
from bot.db import Database
from bot.ids import LadderIds, LeadIds
from bot.leads import ladder
from bot.messages import validate_blocks
from bot.models import Campaign, Lead, OutboxMessage, Ping
from bot.people import SlackDirectory
from bot.workhours import WorkingHours
from tests.bot.leads.test_ladder import new_lead

# The clock tests' fixtures: the seeded team and a directory without Slack.

T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # a Monday, 09:00 in New York


@pytest.fixture
def ladder_settings(settings: Settings) -> Settings:
    return replace(settings, hot_lead_sla=timedelta(minutes=15), escalate_after=timedelta(hours=1))


def alerted(
    db: Database, settings: Settings, directory: SlackDirectory, owner: str, **kw: Any
) -> int:
    """A hot lead whose owner got the alert at T0 (as bot.leads.listener does it)."""
    with db.session() as session:
        lead = new_lead(session, owner, received_at=T0, **kw)
        outbox.enqueue(
            session,
            "chat.postMessage",
            key=f"lead:{lead.id}:alert:{owner}",
            channel=owner,
            text="!",
        )
        ladder.start_clock(session, lead, settings=settings, directory=directory, now=T0)
        return lead.id


def sent(db: Database, *, after: int = 0) -> list[OutboxMessage]:
    with db.session() as session:
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.id > after).order_by(OutboxMessage.id)
        )
        return [row for row in rows if (row.key or "").split(":")[2:3] != ["alert"]]


def last_id(db: Database) -> int:
    with db.session() as session:
        return max(session.scalars(select(OutboxMessage.id)), default=0)


def lead_row(db: Database, lead_id: int) -> Lead:
    with db.session() as session:
        return session.get(Lead, lead_id)  # type: ignore[return-value]


def test_reminder_in_the_alert_thread_then_escalation_to_the_manager(
    team: Database, ladder_settings: Settings, directory: SlackDirectory
) -> None:
    with team.session() as session:
        session.add(
            Campaign(code="spring", name="Spring webinar", offer="20% off", talking_points="ROI")
        )
    lead_id = alerted(team, ladder_settings, directory, "UREP1", campaign_code="spring")
    with team.session() as session:
        session.get(Lead, lead_id).campaign_id = session.scalar(select(Campaign.id))  # type: ignore[union-attr]

    early = ladder.sweep(
        team, settings=ladder_settings, directory=directory, now=T0 + timedelta(minutes=14)
    )
    assert early.total == 0 and sent(team) == []

    report = ladder.sweep(
        team, settings=ladder_settings, directory=directory, now=T0 + timedelta(minutes=16)
    )
    assert report.reminders == 1
    [reminder] = sent(team)
    assert reminder.key == f"lead:{lead_id}:reminder:1"
    assert reminder.thread_key == f"lead:{lead_id}:alert:UREP1"
    assert "16m" in reminder.args["text"] and "Ada Lovelace" in reminder.args["text"]
    validate_blocks(reminder.args["blocks"])
    lead = lead_row(team, lead_id)
    assert (lead.ladder_step, lead.next_due_at) == (1, T0 + timedelta(hours=1))

    again = ladder.sweep(
        team, settings=ladder_settings, directory=directory, now=T0 + timedelta(minutes=30)
    )
    assert again.total == 0 and len(sent(team)) == 1

    ladder.sweep(
        team, settings=ladder_settings, directory=directory, now=T0 + timedelta(minutes=61)
    )
    [_, escalation] = sent(team)
    assert escalation.key == f"lead:{lead_id}:escalation:1"
    assert escalation.channel == "UMGR1"
    text = str(escalation.args["blocks"])
    assert "<@UREP1>" in text and "Ada Lovelace" in text
    assert "Spring webinar" in text and "20% off" in text and "ROI" in text
    validate_blocks(escalation.args["blocks"])
    buttons = {
        e["action_id"]: e["value"]
        for b in escalation.args["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    }
    assert buttons == {LeadIds.REASSIGN: str(lead_id), LadderIds.NUDGE: f"{lead_id}:1"}
    lead = lead_row(team, lead_id)
    assert (lead.ladder_step, lead.next_due_at) == (2, None)
    with team.session() as session:
        pings = session.execute(select(Ping.step, Ping.cycle, Ping.recipient_id)).all()
    assert sorted(pings) == [(0, 1, "UREP1"), (1, 1, "UMGR1")]
    assert (
        ladder.sweep(
            team, settings=ladder_settings, directory=directory, now=T0 + timedelta(days=3)
        ).total
        == 0
    )


def test_a_rep_without_manager_escalates_to_the_sales_channel(
    team: Database, ladder_settings: Settings, directory: SlackDirectory
) -> None:
    lead_id = alerted(team, ladder_settings, directory, "UREP3")
    ladder.sweep(team, settings=ladder_settings, directory=directory, now=T0 + timedelta(hours=2))
    reminder, escalation = sent(team)
    assert reminder.key == f"lead:{lead_id}:reminder:1"
    assert escalation.channel == "CSALES"
    assert "no manager" in str(escalation.args["blocks"])


def test_acting_stops_the_ladder(
    team: Database, ladder_settings: Settings, directory: SlackDirectory
) -> None:
    lead_id = alerted(team, ladder_settings, directory, "UREP1")
    with team.session() as session:
        ladder.stop_clock(session.get(Lead, lead_id))  # type: ignore[arg-type]
    assert (
        ladder.sweep(
            team, settings=ladder_settings, directory=directory, now=T0 + timedelta(hours=5)
        ).total
        == 0
    )
    assert sent(team) == []


def test_a_closed_lead_is_dropped_even_if_something_was_due(
    team: Database, ladder_settings: Settings, directory: SlackDirectory
) -> None:
    lead_id = alerted(team, ladder_settings, directory, "UREP1")
    with team.session() as session:
        session.get(Lead, lead_id).status = "contacted"  # type: ignore[union-attr]
    report = ladder.sweep(
        team, settings=ladder_settings, directory=directory, now=T0 + timedelta(hours=5)
    )
    assert report.stopped == 1 and sent(team) == []
    assert lead_row(team, lead_id).next_due_at is None


def test_a_snooze_restarts_the_clock_when_it_ends(
    team: Database, ladder_settings: Settings, directory: SlackDirectory
) -> None:
    lead_id = alerted(team, ladder_settings, directory, "UREP1")
    ladder.sweep(
        team, settings=ladder_settings, directory=directory, now=T0 + timedelta(minutes=20)
    )
    until = T0 + timedelta(hours=4)
    with team.session() as session:
        lead = session.get(Lead, lead_id)
        lead.status = "snoozed"  # type: ignore[union-attr]
        ladder.snooze(lead, until)  # type: ignore[arg-type]
    assert (
        ladder.sweep(
            team, settings=ladder_settings, directory=directory, now=until - timedelta(minutes=1)
        ).total
        == 0
    )

    report = ladder.sweep(team, settings=ladder_settings, directory=directory, now=until)
    assert report.restarted == 1
    lead = lead_row(team, lead_id)
    assert (lead.status, lead.snoozed_until, lead.ladder_cycle) == ("new", None, 2)
    assert lead.next_due_at == until + timedelta(minutes=15)
    ladder.sweep(
        team, settings=ladder_settings, directory=directory, now=until + timedelta(minutes=15)
    )
    assert [row.key for row in sent(team)] == [
        f"lead:{lead_id}:reminder:1",
        f"lead:{lead_id}:reminder:2",
    ]


def test_nobody_is_pinged_outside_their_working_hours(
    team: Database, ladder_settings: Settings, directory: SlackDirectory
) -> None:
    office = replace(ladder_settings, working_hours=WorkingHours.parse("Mon-Fri 08:00-18:00"))
    lead_id = alerted(team, ladder_settings, directory, "UREP2")  # Kolkata; due by "always"
    # 14:16 UTC is 19:46 in Kolkata: the reminder waits for Tuesday 08:00 there.
    report = ladder.sweep(
        team, settings=office, directory=directory, now=T0 + timedelta(minutes=16)
    )
    assert report.postponed == 1 and sent(team) == []
    assert lead_row(team, lead_id).next_due_at == datetime(2026, 11, 24, 2, 30, tzinfo=UTC)


def test_a_lead_whose_alert_is_unknown_is_reminded_in_a_dm(
    team: Database, ladder_settings: Settings, directory: SlackDirectory
) -> None:
    with team.session() as session:
        lead = new_lead(session, "UREP1", received_at=T0, email="ada@example.org")
        ladder.start_clock(session, lead, settings=ladder_settings, directory=directory, now=T0)
    ladder.sweep(
        team, settings=ladder_settings, directory=directory, now=T0 + timedelta(minutes=16)
    )
    [reminder] = sent(team)
    assert reminder.thread_key is None and reminder.channel == "UREP1"
    assert "mailto:ada@example.org" in str(reminder.args["blocks"])


def test_a_ping_already_recorded_is_not_sent_again(
    team: Database, ladder_settings: Settings, directory: SlackDirectory
) -> None:
    """The unique (lead, step, cycle) row decides, even if a lead is picked up twice."""
    lead_id = alerted(team, ladder_settings, directory, "UREP1")
    with team.session() as session:
        session.add(Ping(lead_id=lead_id, step=0, cycle=1, recipient_id="UREP1", sent_at=T0))
    ladder.sweep(
        team, settings=ladder_settings, directory=directory, now=T0 + timedelta(minutes=16)
    )
    assert sent(team) == []
    assert lead_row(team, lead_id).ladder_step == 1


def test_past_the_noise_budget_reminders_fold_into_one_summary(
    team: Database, ladder_settings: Settings, directory: SlackDirectory
) -> None:
    budget = replace(ladder_settings, max_pings_per_hour=2)
    ids = [alerted(team, budget, directory, "UREP1", name=f"Lead {n}") for n in range(4)]
    report = ladder.sweep(
        team, settings=budget, directory=directory, now=T0 + timedelta(minutes=16)
    )
    assert (report.reminders, report.folded) == (2, 2)
    rows = sent(team)
    assert [r.key for r in rows[:2]] == [f"lead:{i}:reminder:1" for i in ids[:2]]
    summary_key = "lead-summary:UREP1:2026112314"
    post, update = rows[2:]
    assert (post.key, post.channel, post.method) == (summary_key, "UREP1", "chat.postMessage")
    assert "Lead 2" in str(post.args["blocks"]) and "Lead 3" not in str(post.args["blocks"])
    assert (update.method, update.target_key) == ("chat.update", summary_key)
    assert "Lead 2" in str(update.args["blocks"]) and "Lead 3" in str(update.args["blocks"])
    assert update.args["text"].startswith("2 more hot leads")
    validate_blocks(post.args["blocks"])

    # An hour later the budget is free again.
    later = alerted(team, budget, directory, "UREP1", name="Lead 9")
    before = last_id(team)
    with team.session() as session:
        session.get(Lead, later).next_due_at = T0 + timedelta(minutes=80)  # type: ignore[union-attr]
    ladder.sweep(team, settings=budget, directory=directory, now=T0 + timedelta(minutes=80))
    keys = [r.key for r in sent(team, after=before)]
    assert f"lead:{later}:reminder:1" in keys


def test_reminders_that_fell_due_long_ago_go_out_once_each(
    team: Database, ladder_settings: Settings, directory: SlackDirectory
) -> None:
    """After a long downtime the reminder and the escalation both go out, once, at once."""
    lead_id = alerted(team, ladder_settings, directory, "UREP1")
    report = ladder.sweep(
        team, settings=ladder_settings, directory=directory, now=T0 + timedelta(hours=6)
    )
    assert (report.reminders, report.escalations) == (1, 1)
    assert [r.key for r in sent(team)] == [
        f"lead:{lead_id}:reminder:1",
        f"lead:{lead_id}:escalation:1",
    ]
    assert "6h" in sent(team)[0].args["text"]
