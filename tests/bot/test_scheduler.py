"""The scheduler only ticks: stable job ids, a first run at start, no pile-up, no crash."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import DEFAULT_SYNC, Settings
from bot.retention import PRUNE_JOB
from bot.scheduler import HOME_JOB, SWEEP_JOB, SYNC_REPORT_JOB, Scheduler
from bot.services import Handoff


def test_a_job_runs_at_start_then_every_interval() -> None:
    ticks: list[float] = []
    two = threading.Event()

    def tick() -> None:
        ticks.append(time.monotonic())
        if len(ticks) >= 2:
            two.set()

    scheduler = Scheduler()
    scheduler.every("tick", timedelta(seconds=0.3), tick)
    started = time.monotonic()
    scheduler.start()
    try:
        assert two.wait(3)
    finally:
        scheduler.stop()
    assert ticks[0] - started < 0.25  # once at startup, not one interval later
    assert ticks[1] - ticks[0] == pytest.approx(0.3, abs=0.15)


def test_jobs_have_stable_ids_and_tolerant_settings() -> None:
    scheduler = Scheduler()
    scheduler.every("sweep", timedelta(seconds=30), lambda: None)
    scheduler.every("sweep", timedelta(seconds=10), lambda: None)  # replaces, not duplicates
    scheduler.start()
    try:
        assert scheduler.job_ids() == ["sweep"]
        scheduler.every("sweep", timedelta(seconds=5), lambda: None)
        [job] = scheduler._scheduler.get_jobs()
        assert job.trigger.interval == timedelta(seconds=5)
        assert job.coalesce is True
        assert job.max_instances == 1
        assert job.misfire_grace_time > 1
    finally:
        scheduler.stop()
    assert not scheduler.running


def test_a_failing_job_keeps_ticking(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []
    done = threading.Event()

    def broken() -> None:
        calls.append(1)
        if len(calls) >= 2:
            done.set()
        raise RuntimeError("boom")

    scheduler = Scheduler()
    scheduler.every("broken", timedelta(seconds=0.2), broken)
    scheduler.start()
    try:
        assert done.wait(3)
    finally:
        scheduler.stop()
    assert "scheduled job broken failed" in caplog.text


def test_stop_waits_for_a_tick_in_progress() -> None:
    inside, finished = threading.Event(), threading.Event()

    def slow() -> None:
        inside.set()
        time.sleep(0.3)
        finished.set()

    scheduler = Scheduler()
    scheduler.every("slow", timedelta(hours=1), slow)
    scheduler.start()
    assert inside.wait(3)
    scheduler.stop()
    assert finished.is_set()


def test_the_app_sweeps_every_sweep_interval(settings: Settings, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    handoff = Handoff.build(
        replace(settings, database_url=url, slack_api_url="http://127.0.0.1:9/")
    )
    handoff.db.upgrade()
    handoff.start()
    try:
        # SYNC_REPORT is off in the tests' settings
        assert set(handoff.scheduler.job_ids()) == {
            SWEEP_JOB,
            "digest-refresh",
            HOME_JOB,
            PRUNE_JOB,
        }
        job = handoff.scheduler._scheduler.get_job(SWEEP_JOB)
        assert job.trigger.interval == settings.sweep_interval
        home = handoff.scheduler._scheduler.get_job(HOME_JOB)  # the Homes' debounced refreshes
        assert home.trigger.interval == timedelta(seconds=1)
    finally:
        handoff.stop()
    assert not handoff.scheduler.running


def test_the_weekly_report_ticks_every_minute_unless_off(
    settings: Settings, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    on = replace(
        settings, database_url=url, slack_api_url="http://127.0.0.1:9/", sync_report=DEFAULT_SYNC
    )
    handoff = Handoff.build(on)
    handoff.db.upgrade()
    handoff.start()
    try:
        assert SYNC_REPORT_JOB in handoff.scheduler.job_ids()
        job = handoff.scheduler._scheduler.get_job(SYNC_REPORT_JOB)
        assert job.trigger.interval == timedelta(minutes=1)
    finally:
        handoff.stop()
