"""When digests go out: each manager's own morning, working days only, across a daylight-saving
change, caught up after a restart, and exactly once however many ticks or processes."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from bot.config import Settings
from bot.db import Database
from bot.digest import send_due_digests
from bot.digest.schedule import (
    REFRESH_JOB,
    STARTUP_DELAY,
    cron_trigger,
    refresh,
    schedule_digests,
)
from bot.messages import validate_blocks
from bot.models import Person
from bot.workhours import WorkingHours
from tests.bot.digest.test_digest_helpers import (
    digest_posts,
    digest_rows,
    handoff_for,
    office_settings,
    seed_people,
    stale,
    utc,
)

NY = ZoneInfo("America/New_York")


def keys(db: Database) -> list[str]:
    return [row.key for row in digest_posts(db)]


def tick_at(handoff, instant) -> None:
    with time_machine.travel(instant, tick=False):
        send_due_digests(handoff)


def test_each_manager_gets_it_at_digest_time_in_their_own_zone(
    db: Database, settings: Settings
) -> None:
    seed_people(db)
    stale(db, "UREP1", utc(2026, 11, 23, 13, 30))
    with handoff_for(office_settings(settings), db) as handoff:
        tick_at(handoff, utc(2026, 11, 23, 2, 59))  # 08:29 in Kolkata, 21:59 in New York
        assert keys(db) == []
        tick_at(handoff, utc(2026, 11, 23, 3, 0))  # 08:30 in Kolkata
        assert keys(db) == ["digest:UMGR2:2026-11-23"]
        tick_at(handoff, utc(2026, 11, 23, 13, 29))  # 08:29 in New York
        assert keys(db) == ["digest:UMGR2:2026-11-23"]
        tick_at(handoff, utc(2026, 11, 23, 13, 30))  # 08:30 in New York
        tick_at(handoff, utc(2026, 11, 23, 14, 0))
    assert keys(db) == ["digest:UMGR2:2026-11-23", "digest:UMGR1:2026-11-23"]
    kiran, maria = digest_posts(db)
    assert kiran.channel == "UMGR2" and maria.channel == "UMGR1"
    assert kiran.args["text"] == "All clear for Mon 23 Nov: none of your reps' leads is stale."
    assert maria.args["text"] == "Stale leads on Mon 23 Nov: 1 across 1 rep"
    validate_blocks(maria.args["blocks"])
    assert digest_rows(db) == [("UMGR2", "2026-11-23"), ("UMGR1", "2026-11-23")]


def test_no_digest_at_the_weekend(db: Database, settings: Settings) -> None:
    seed_people(db)
    with handoff_for(office_settings(settings), db) as handoff:
        for day in (21, 22):  # Saturday, Sunday
            for hour in (3, 9, 13, 16):
                tick_at(handoff, utc(2026, 11, day, hour, 30))
    assert keys(db) == []
    with handoff_for(settings, db) as handoff:  # WORKING_HOURS=always: every day
        tick_at(handoff, utc(2026, 11, 21, 13, 30))
    assert keys(db) == ["digest:UMGR2:2026-11-21", "digest:UMGR1:2026-11-21"]


def test_not_after_the_working_day_ends(db: Database, settings: Settings) -> None:
    seed_people(db)
    with handoff_for(office_settings(settings), db) as handoff:
        tick_at(handoff, utc(2026, 11, 23, 23, 0))  # 18:00 in NY, 04:30 Tue in Kolkata
    assert keys(db) == []


def test_on_the_daylight_saving_change_day(db: Database, settings: Settings) -> None:
    seed_people(db)
    # 2026-11-01 is a Sunday: New York falls back from EDT (UTC-4) to EST (UTC-5) at 02:00.
    trigger = cron_trigger(settings, "America/New_York")
    fire = trigger.get_next_fire_time(None, utc(2026, 10, 31, 0, 0))
    fires = []
    for _ in range(3):
        fires.append(fire)
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    assert [f.astimezone(ZoneInfo("UTC")).isoformat() for f in fires] == [
        "2026-10-31T12:30:00+00:00",
        "2026-11-01T13:30:00+00:00",
        "2026-11-02T13:30:00+00:00",
    ]
    with handoff_for(settings, db) as handoff:
        tick_at(handoff, utc(2026, 11, 1, 12, 30))  # 07:30 EST: the EDT time is not the time
        assert "digest:UMGR1:2026-11-01" not in keys(db)
        tick_at(handoff, utc(2026, 11, 1, 13, 30))  # 08:30 EST
    assert "digest:UMGR1:2026-11-01" in keys(db)


def test_a_digest_time_that_happens_twice_sends_once(db: Database, settings: Settings) -> None:
    seed_people(db)
    twice = replace(settings, digest_time=time(1, 30))
    with handoff_for(twice, db) as handoff:
        tick_at(handoff, utc(2026, 11, 1, 5, 30))  # 01:30 EDT
        tick_at(handoff, utc(2026, 11, 1, 6, 30))  # 01:30 EST, an hour later
    assert [k for k in keys(db) if "UMGR1" in k] == ["digest:UMGR1:2026-11-01"]


def test_weekdays_only_cron(settings: Settings) -> None:
    trigger = cron_trigger(office_settings(settings), "America/New_York")
    friday = utc(2026, 11, 20, 14, 0)
    assert trigger.get_next_fire_time(None, friday).astimezone(NY).isoformat() == (
        "2026-11-23T08:30:00-05:00"
    )


def start_app_scheduler(handoff) -> tuple[BackgroundScheduler, threading.Event]:
    """A scheduler as the app starts it, and an event set once the first refresh has run."""
    refreshed = threading.Event()
    scheduler = BackgroundScheduler()

    def finished(event) -> None:
        if event.job_id == REFRESH_JOB:
            refreshed.set()

    scheduler.add_listener(finished, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    schedule_digests(scheduler, handoff, startup_delay=timedelta(0))
    scheduler.start()
    return scheduler, refreshed


def test_a_restart_after_digest_time_catches_up_the_same_working_day(
    db: Database, settings: Settings
) -> None:
    seed_people(db)
    stale(db, "UREP1", utc(2026, 11, 23, 13, 0))
    office = office_settings(settings)
    with handoff_for(office, db) as handoff:
        tick_at(handoff, utc(2026, 11, 23, 3, 0))  # Kiran's, at 08:30 in Kolkata
        tick_at(handoff, utc(2026, 11, 23, 13, 0))  # 08:00 in New York: not yet
    assert keys(db) == ["digest:UMGR2:2026-11-23"]
    # ...the app is down from 08:15 to 10:00 New York time, then starts again:
    with (
        time_machine.travel(utc(2026, 11, 23, 15, 0), tick=True),
        handoff_for(office, db) as handoff,
    ):
        scheduler, refreshed = start_app_scheduler(handoff)
        try:
            assert refreshed.wait(10)
            jobs = {job.id for job in scheduler.get_jobs()}
        finally:
            scheduler.shutdown(wait=True)
    assert keys(db) == ["digest:UMGR2:2026-11-23", "digest:UMGR1:2026-11-23"]
    assert jobs == {REFRESH_JOB, "digest:America/New_York", "digest:Asia/Kolkata"}


def test_a_restart_after_the_working_day_sends_nothing(db: Database, settings: Settings) -> None:
    seed_people(db)
    with (
        time_machine.travel(utc(2026, 11, 23, 23, 30), tick=True),  # 18:30 NY, 05:00 Kolkata
        handoff_for(office_settings(settings), db) as handoff,
    ):
        scheduler, refreshed = start_app_scheduler(handoff)
        try:
            assert refreshed.wait(10)
        finally:
            scheduler.shutdown(wait=True)
    assert keys(db) == []


def test_jobs_one_per_zone_with_stable_ids(db: Database, settings: Settings) -> None:
    seed_people(db)
    with handoff_for(office_settings(settings), db) as handoff:
        scheduler = BackgroundScheduler()
        scheduler.start(paused=True)
        try:
            schedule_digests(scheduler, handoff)
            schedule_digests(scheduler, handoff)  # a second registration replaces, not adds
            jobs = {job.id: job for job in scheduler.get_jobs()}
            assert set(jobs) == {REFRESH_JOB}  # registering reads no database
            first_run = jobs[REFRESH_JOB].next_run_time - datetime.now(UTC)
            assert timedelta(seconds=55) < first_run <= STARTUP_DELAY
            refresh(scheduler, handoff)
            jobs = {job.id: job for job in scheduler.get_jobs()}
            assert set(jobs) == {REFRESH_JOB, "digest:America/New_York", "digest:Asia/Kolkata"}
            ny = jobs["digest:America/New_York"]
            assert (ny.coalesce, ny.misfire_grace_time) == (True, 3 * 3600)
            assert str(ny.trigger.timezone) == "America/New_York"
            # Kiran moves to Berlin: the refresh adds Berlin's job and drops Kolkata's.
            with db.session() as session:
                kiran = session.scalar(select(Person).where(Person.slack_id == "UMGR2"))
                kiran.tz_override = "Europe/Berlin"
            refresh(scheduler, handoff)
            zones = {job.id for job in scheduler.get_jobs() if job.id.startswith("digest:")}
            assert zones == {"digest:America/New_York", "digest:Europe/Berlin"}
        finally:
            scheduler.shutdown(wait=False)


def test_all_clear_turned_off_records_the_day_but_sends_nothing(
    db: Database, settings: Settings
) -> None:
    seed_people(db)
    quiet = replace(settings, digest_all_clear=False)
    with handoff_for(quiet, db) as handoff:
        tick_at(handoff, utc(2026, 11, 23, 13, 30))
        tick_at(handoff, utc(2026, 11, 23, 14, 30))
    assert keys(db) == []
    assert sorted(digest_rows(db)) == [("UMGR1", "2026-11-23"), ("UMGR2", "2026-11-23")]


@pytest.mark.parametrize(
    ("instant", "ny_day", "kolkata_day"),
    [
        (utc(2026, 11, 23, 15, 0), "2026-11-23", "2026-11-23"),  # 10:00 NY, 20:30 Kolkata
        (utc(2026, 11, 23, 23, 30), "2026-11-23", "2026-11-24"),  # 18:30 NY, 05:00 Kolkata
    ],
    ids=["same-date", "dates-differ"],
)
def test_many_ticks_in_two_app_instances_send_each_digest_once(
    db: Database, settings: Settings, instant: datetime, ny_day: str, kolkata_day: str
) -> None:
    """Two Handoffs with their own engines (as two processes have) tick at the same moments.

    The clock is pinned (and ticks, so the threads and their barrier work): each manager's
    digest is keyed by the date in their own zone, and from 18:30 to 05:00 UTC New York and
    Kolkata are on different dates."""
    seed_people(db)
    stale(db, "UREP1", utc(2026, 11, 23, 13, 30))
    always = replace(settings, working_hours=WorkingHours.parse("always"), digest_time=time(0, 0))
    first_db, second_db = Database(db.url), Database(db.url)
    errors: list[BaseException] = []
    try:
        with (
            time_machine.travel(instant, tick=True),
            handoff_for(always, first_db) as first,
            handoff_for(always, second_db) as second,
        ):
            start = threading.Barrier(2)

            def ticks(handoff) -> None:
                try:
                    for _ in range(5):
                        start.wait()
                        send_due_digests(handoff)
                except BaseException as exc:  # pragma: no cover - reported below
                    errors.append(exc)

            threads = [threading.Thread(target=ticks, args=(h,)) for h in (first, second)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
    finally:
        first_db.dispose()
        second_db.dispose()
    assert errors == []
    assert sorted(keys(db)) == [f"digest:UMGR1:{ny_day}", f"digest:UMGR2:{kolkata_day}"]
    assert sorted(digest_rows(db)) == [("UMGR1", ny_day), ("UMGR2", kolkata_day)]
