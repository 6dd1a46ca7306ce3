"""The SLA clock: when a hot lead's reminder and escalation fall due (no Slack involved)."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bot.config import Settings
from bot.db import Database
from bot.leads import ladder
from bot.models import Lead, SlackUser
from bot.people import SlackDirectory
from bot.workhours import WorkingHours

NY = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
OFFICE = WorkingHours.parse("Mon-Fri 08:00-18:00")


@pytest.fixture
def office(settings: Settings) -> Settings:
    """Default ladder settings: 15m SLA, 1h escalation, Mon-Fri 08:00-18:00."""
    return replace(
        settings,
        working_hours=OFFICE,
        hot_lead_sla=timedelta(minutes=15),
        escalate_after=timedelta(hours=1),
    )


# Unique per test process (id() of a short-lived dict was reused, so ids collided).
_LEAD_NUMBERS = itertools.count(1)


def new_lead(session, owner: str | None = "UREP1", **fields) -> Lead:  # type: ignore[no-untyped-def]
    lead = Lead(
        external_id=fields.pop("external_id", f"x-{owner}-{next(_LEAD_NUMBERS)}"),
        name=fields.pop("name", "Ada Lovelace"),
        owner_id=owner,
        hot=True,
        **fields,
    )
    session.add(lead)
    session.flush()
    return lead


def started(db: Database, settings: Settings, directory: SlackDirectory, owner: str) -> Lead:
    with db.session() as session:
        lead = new_lead(session, owner)
        ladder.start_clock(session, lead, settings=settings, directory=directory)
    return lead


def test_a_lead_arriving_friday_1755_is_due_monday_0810(
    team: Database, office: Settings, directory: SlackDirectory
) -> None:
    with time_machine.travel(datetime(2026, 11, 20, 17, 55, tzinfo=NY), tick=False):
        lead = started(team, office, directory, "UREP1")
    assert lead.next_due_at is not None
    assert lead.next_due_at.astimezone(NY) == datetime(2026, 11, 23, 8, 10, tzinfo=NY)
    assert lead.clock_started_at == datetime(2026, 11, 20, 17, 55, tzinfo=NY)
    assert (lead.ladder_step, lead.ladder_cycle) == (0, 1)


def test_the_same_instant_is_due_in_each_reps_own_zone(
    team: Database, office: Settings, directory: SlackDirectory
) -> None:
    # 08:00 in New York is 18:30 in Kolkata: Rita's clock runs, Ravi's day is over.
    with time_machine.travel(datetime(2026, 11, 23, 13, 0, tzinfo=UTC), tick=False):
        rita = started(team, office, directory, "UREP1")
        ravi = started(team, office, directory, "UREP2")
    assert rita.next_due_at == datetime(2026, 11, 23, 13, 15, tzinfo=UTC)
    assert ravi.next_due_at is not None
    assert ravi.next_due_at.astimezone(KOLKATA) == datetime(2026, 11, 24, 8, 15, tzinfo=KOLKATA)


def test_the_zone_can_come_from_slacks_cached_profile(
    team: Database, office: Settings, directory: SlackDirectory
) -> None:
    with team.session() as session:
        session.add(SlackUser(slack_id="UNEW1", name="New", tz="Asia/Kolkata"))
    with time_machine.travel(datetime(2026, 11, 23, 13, 0, tzinfo=UTC), tick=False):
        lead = started(team, office, directory, "UNEW1")
    assert lead.next_due_at is not None
    assert lead.next_due_at.astimezone(KOLKATA) == datetime(2026, 11, 24, 8, 15, tzinfo=KOLKATA)


def test_someone_unknown_gets_the_default_zone(
    team: Database, office: Settings, directory: SlackDirectory
) -> None:
    with time_machine.travel(datetime(2026, 11, 23, 17, 55, tzinfo=UTC), tick=False):
        lead = started(team, office, directory, "UNOBODY")
    assert lead.next_due_at == datetime(2026, 11, 24, 8, 10, tzinfo=UTC)


def test_the_clock_skips_the_weekend_across_a_dst_change(
    team: Database, office: Settings, directory: SlackDirectory
) -> None:
    # New York springs forward on Sunday 2026-03-08: Friday is EST (UTC-5), Monday EDT (UTC-4).
    with time_machine.travel(datetime(2026, 3, 6, 17, 55, tzinfo=NY), tick=False):
        lead = started(team, office, directory, "UREP1")
    assert lead.next_due_at == datetime(2026, 3, 9, 12, 10, tzinfo=UTC)  # 08:10 EDT
    escalation = ladder.escalation_due(office, lead.clock_started_at, NY)  # type: ignore[arg-type]
    assert escalation == datetime(2026, 3, 9, 12, 55, tzinfo=UTC)  # 5m Friday + 55m Monday


def test_always_means_the_clock_never_stops(
    team: Database, office: Settings, directory: SlackDirectory
) -> None:
    always = replace(office, working_hours=WorkingHours.parse("always"))
    saturday_night = datetime(2026, 11, 21, 3, 0, tzinfo=NY)
    with time_machine.travel(saturday_night, tick=False):
        lead = started(team, always, directory, "UREP1")
    assert lead.next_due_at == saturday_night + timedelta(minutes=15)


def test_a_lead_without_owner_has_no_clock(
    team: Database, office: Settings, directory: SlackDirectory
) -> None:
    lead = started(team, office, directory, None)  # type: ignore[arg-type]
    assert lead.next_due_at is None


def test_each_start_is_a_new_cycle_and_stop_and_snooze_set_what_is_due(
    team: Database, office: Settings, directory: SlackDirectory
) -> None:
    now = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    with team.session() as session:
        lead = new_lead(session)
        ladder.start_clock(session, lead, settings=office, directory=directory, now=now)
        lead.ladder_step = 1
        ladder.start_clock(session, lead, settings=office, directory=directory, now=now)
        assert (lead.ladder_cycle, lead.ladder_step) == (2, 0)
        ladder.stop_clock(lead)
        assert lead.next_due_at is None
        until = now + timedelta(hours=4)
        ladder.snooze(lead, until)
        assert (lead.snoozed_until, lead.next_due_at) == (until, until)


def test_start_clock_opens_no_second_session(
    team: Database, office: Settings, directory: SlackDirectory
) -> None:
    """On SQLite a second session would wait 30 s for the first one's write lock."""
    opened: list[object] = []
    original = team.session

    def counting():  # type: ignore[no-untyped-def]
        opened.append(1)
        return original()

    team.session = counting  # type: ignore[method-assign]
    with original() as session:
        lead = new_lead(session, "UNEW2")
        ladder.start_clock(session, lead, settings=office, directory=directory)
    assert opened == []


def test_a_batchs_zones_read_at_once_match_each_read_alone(
    team: Database, directory: SlackDirectory
) -> None:
    """`prefetch_zones` (one statement for a batch's owners) answers as `zone_in_session` does
    for one person: the roster's zone wins over Slack's profile, which wins over the default."""
    with team.session() as session:
        session.add(SlackUser(slack_id="UREP1", name="Rita", tz="Asia/Kolkata"))  # roster: NY
        session.add(SlackUser(slack_id="UNEW1", name="New", tz="Asia/Kolkata"))
        session.add(SlackUser(slack_id="UBLANK", name="Blank", tz=None))
    people = ["UREP1", "UREP2", "UNEW1", "UBLANK", "UNOBODY"]
    with team.session() as session:
        alone = {p: ladder.zone_in_session(session, directory, p) for p in people}
    with team.session() as session:
        ladder.prefetch_zones(session, directory, people)
        with_batch = {p: ladder.zone_in_session(session, directory, p) for p in people}
    assert with_batch == alone
    assert alone["UREP1"] == NY and alone["UREP2"] == KOLKATA and alone["UNEW1"] == KOLKATA
    assert alone["UBLANK"] == alone["UNOBODY"] == ZoneInfo(directory.default_tz)
