"""Working hours across time zones, through the running app, with a controlled clock.

WORKING_HOURS=Mon-Fri 08:00-18:00, HOT_LEAD_SLA=15m. Two leads arrive on Friday at 17:55 in
New York: one for Rita (New York), one for Ravi (Kolkata, where it is already Saturday
04:25). time-machine moves the whole process's clock (the app's threads included); the
sweep still runs every second of real time.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bot.config import Settings
from bot.workhours import WorkingHours
from tests.scenarios.test_ladder import lead_row, post_hot_lead, replies, top_level, wait_until
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp, app_settings

NY = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
FRIDAY_1755_NY = datetime(2026, 11, 27, 17, 55, tzinfo=NY)  # 22:55 UTC


@pytest.fixture
def app_config(settings: Settings, slack: FakeSlackServer, db_url: str) -> Settings:
    return app_settings(
        settings,
        slack.url,
        db_url,
        working_hours=WorkingHours.parse("Mon-Fri 08:00-18:00"),
        hot_lead_sla=timedelta(minutes=15),
        escalate_after=timedelta(hours=1),
        sweep_interval=timedelta(seconds=1),
    )


def near(moment: datetime | None, expected: datetime) -> bool:
    return moment is not None and abs(moment - expected) < timedelta(seconds=3)


def at(running: RunningApp, moment: datetime) -> time_machine.travel:
    """Travel there (the clock keeps ticking) and let the scheduler notice: every job is due
    now. Left alone, APScheduler would wait for a next run time set on the real date (after a
    jump back: from 30 November 2026 on, the sweeps never ran and this test failed), or work
    out tick by tick the days of one-second sweeps a jump forward skipped (seconds to minutes
    of CPU, depending on how far the real date is from these fixed ones)."""
    travel = time_machine.travel(moment, tick=True)
    travel.start()
    now = datetime.now(UTC)
    for job in running.handoff.scheduler.aps.get_jobs():
        job.modify(next_run_time=now)
    running.handoff.scheduler.aps.wakeup()
    return travel


def test_friday_evening_leads_are_reminded_on_each_reps_monday_morning(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    # This test is about the ladder; the managers' digest (its own tests cover it) would
    # otherwise legitimately DM Maria when the clock jumps past her digest time.
    running.handoff.scheduler.aps.remove_job("digest-refresh")
    friday = at(running, FRIDAY_1755_NY)
    try:
        rita = post_hot_lead(running, "hours-rita", owner="UREP1", name="Rita's lead")
        ravi = post_hot_lead(running, "hours-ravi", owner="UREP2", name="Ravi's lead")
        rita_alert = top_level(slack, "UREP1", "Rita's lead")
        ravi_alert = top_level(slack, "UREP2", "Ravi's lead")
        # (The clock ticks on from 17:55:00, so allow the second or so the requests took.)
        assert near(lead_row(running, rita).next_due_at, datetime(2026, 11, 30, 8, 10, tzinfo=NY))
        assert near(
            lead_row(running, ravi).next_due_at, datetime(2026, 11, 30, 8, 15, tzinfo=KOLKATA)
        )
        time.sleep(1.5)  # sweeps run: nothing is due over the weekend
    finally:
        friday.stop()

    # Monday 08:15 in Kolkata is still Sunday night (21:45) in New York.
    kolkata_morning = at(running, datetime(2026, 11, 30, 2, 45, 1, tzinfo=UTC))
    try:
        wait_until(lambda: replies(slack, ravi_alert), 4, "Ravi's Monday reminder")
        time.sleep(1.5)
        assert replies(slack, rita_alert) == []
    finally:
        kolkata_morning.stop()

    # 09:00 in Kolkata: Ravi's lead is due for escalation, but Maria (New York) is asleep.
    kolkata_nine = at(running, datetime(2026, 11, 30, 3, 30, 1, tzinfo=UTC))
    try:
        wait_until(
            lambda: near(
                lead_row(running, ravi).next_due_at, datetime(2026, 11, 30, 8, 0, tzinfo=NY)
            ),
            4,
            "the escalation to wait for Maria's morning",
        )
        assert slack.fake.messages_in("UMGR1") == []
    finally:
        kolkata_nine.stop()

    new_york_morning = at(running, datetime(2026, 11, 30, 8, 10, 1, tzinfo=NY))
    try:
        wait_until(lambda: replies(slack, rita_alert), 4, "Rita's Monday reminder")
        [reminder] = replies(slack, rita_alert)
        assert "has been waiting 2d 14h" in reminder.text  # Friday 17:55 to Monday 08:10
        escalation = top_level(slack, "UMGR1", "Ravi's lead", timeout=4)
        assert "<@UREP2>" in escalation.text
        time.sleep(1.5)
        assert len(replies(slack, ravi_alert)) == 1
        assert [m.text for m in slack.fake.messages_in("UMGR1")] == [escalation.text]
    finally:
        new_york_morning.stop()
