"""What is due lives in the database: a restart neither loses nor repeats a reminder."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from bot.config import Settings
from bot.models import Ping
from tests.scenarios import test_ladder
from tests.scenarios.test_ladder import (
    ESCALATE,
    SLA,
    SWEEP,
    post_hot_lead,
    replies,
    top_level,
    wait_until,
)
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp
from tests.support.team import seed_team

app_config = test_ladder.app_config  # the short-durations fixture


def first_run(app_config: Settings, slack: FakeSlackServer) -> tuple[RunningApp, int]:
    app = RunningApp(app_config).__enter__()
    seed_team(app.handoff.db, slack.fake)
    return app, post_hot_lead(app)


def test_a_restart_in_the_middle_of_the_ladder_sends_each_step_once(
    app_config: Settings, slack: FakeSlackServer
) -> None:
    first, _lead_id = first_run(app_config, slack)
    try:
        alert = top_level(slack, "UREP1", "Ada Lovelace")
        wait_until(lambda: replies(slack, alert), SLA + SWEEP + 3, "the reminder")
    finally:
        first.__exit__(None, None, None)  # stopped between the reminder and the escalation

    with RunningApp(app_config):
        top_level(slack, "UMGR1", "Ada Lovelace", timeout=ESCALATE + SWEEP + 3)
        time.sleep(SWEEP * 1.5)
        assert len(replies(slack, alert)) == 1
        assert len(slack.fake.messages_in("UMGR1")) == 1
        assert len([m for m in slack.fake.messages_in("UREP1") if m.thread_ts is None]) == 1


def test_reminders_that_fell_due_while_the_app_was_down_go_out_once_at_startup(
    app_config: Settings, slack: FakeSlackServer
) -> None:
    first, lead_id = first_run(app_config, slack)
    try:
        alert = top_level(slack, "UREP1", "Ada Lovelace")
    finally:
        first.__exit__(None, None, None)
    time.sleep(SLA + 0.3)  # the reminder falls due while nothing runs
    assert replies(slack, alert) == []

    # An hour between sweeps: only the sweep at startup can send the reminder now.
    hourly = replace(app_config, sweep_interval=timedelta(hours=1))
    with RunningApp(hourly):
        wait_until(lambda: replies(slack, alert), 5, "the overdue reminder, at startup")
    with RunningApp(app_config) as third:
        top_level(slack, "UMGR1", "Ada Lovelace", timeout=ESCALATE + SWEEP + 3)
        time.sleep(SWEEP * 1.5)
        assert len(replies(slack, alert)) == 1
        assert len(slack.fake.messages_in("UMGR1")) == 1
        with third.handoff.db.session() as session:
            pings = session.scalars(select(Ping.step).where(Ping.lead_id == lead_id)).all()
        assert sorted(pings) == [0, 1]
