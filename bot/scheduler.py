"""Handoff's clock: an APScheduler 3.x `BackgroundScheduler` that only *ticks*.

Jobs hold no state: what is due lives in the database, and each tick claims the due rows
(see `bot.leads.ladder.sweep`). So several processes may each run their own scheduler against one
database, and a restart loses nothing. Every job has a stable id (`replace_existing=True`),
runs once right at start (work that fell due while the app was down goes out at once),
coalesces missed runs into one, never overlaps itself, and tolerates a late start of up to
`misfire_grace_time` seconds (APScheduler's default of 1 s would skip ticks on a busy box).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from bot import home, metrics
from bot.config import Settings
from bot.db import Database
from bot.digest.parts import Parts
from bot.digest.schedule import schedule_digests
from bot.leads import ladder, moveon
from bot.people import SlackDirectory
from bot.reports.send import send_due_report
from bot.retention import PRUNE_EVERY, PRUNE_FIRST_IN, PRUNE_JOB, PruneJob

log = logging.getLogger(__name__)

SWEEP_JOB = "ladder-sweep"
SYNC_REPORT_JOB = "sync-report"
SYNC_REPORT_TICK = timedelta(minutes=1)
HOME_JOB = "home-refresh"
HOME_TICK = timedelta(seconds=1)


class Scheduler:
    """A thin wrapper: `every(job_id, interval, func)`, then `start()` and `stop()`."""

    def __init__(self) -> None:
        self._scheduler = BackgroundScheduler(timezone=UTC)
        self._jobs: list[tuple[str, timedelta, Callable[[], object], timedelta]] = []

    def every(
        self,
        job_id: str,
        interval: timedelta,
        func: Callable[[], object],
        first_in: timedelta = timedelta(0),
    ) -> None:
        """Run `func` every `interval` (first `first_in` after start: right at start unless
        given) under the stable id `job_id`."""
        self._jobs = [job for job in self._jobs if job[0] != job_id]
        self._jobs.append((job_id, interval, func, first_in))
        if self._scheduler.running:
            self._add(job_id, interval, func, first_in)

    def _add(
        self,
        job_id: str,
        interval: timedelta,
        func: Callable[[], object],
        first_in: timedelta = timedelta(0),
    ) -> None:
        self._scheduler.add_job(
            _logged(job_id, func),
            "interval",
            seconds=interval.total_seconds(),
            id=job_id,
            name=job_id,
            replace_existing=True,
            next_run_time=datetime.now(UTC) + first_in,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=max(30, int(interval.total_seconds() * 2)),
        )

    @property
    def aps(self) -> BackgroundScheduler:
        """The APScheduler instance itself, for jobs with other triggers (e.g. cron)."""
        return self._scheduler

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    def job_ids(self) -> list[str]:
        return [job.id for job in self._scheduler.get_jobs()]

    def start(self) -> None:
        if self._scheduler.running:
            return
        self._scheduler.start()
        for job in self._jobs:
            self._add(*job)

    def stop(self) -> None:
        """Stop ticking and wait for a tick in progress to finish."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)


def _logged(job_id: str, func: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        try:
            func()
        except Exception:
            log.exception("scheduled job %s failed; it runs again at the next tick", job_id)

    return run


def timed_sweep(db: Database, settings: Settings, directory: SlackDirectory) -> None:
    with metrics.SWEEP.time():
        report = ladder.sweep(db, settings=settings, directory=directory, move_on=moveon.move_on)
    if report.reassigned:
        metrics.PINGS.labels("reassign").inc(report.reassigned)


def build_scheduler(settings: Settings, db: Database, directory: SlackDirectory) -> Scheduler:
    """The app's scheduler: the ladder's sweep every SWEEP_INTERVAL, the Homes' debounced
    refreshes every second, the managers' digests (a refresh job that keeps one cron job per
    manager time zone and catches up missed ones), a minute's tick that sends the weekly sync
    report when SYNC_REPORT says (once a week: `bot.reports.send`), and the hourly retention
    prune (once an hour across processes, see bot.retention)."""
    scheduler = Scheduler()
    scheduler.every(
        SWEEP_JOB,
        settings.sweep_interval,
        lambda: timed_sweep(db, settings, directory),
    )
    scheduler.every(HOME_JOB, HOME_TICK, lambda: home.refresh_due(db, settings))
    parts = Parts(settings, db, directory)
    schedule_digests(scheduler.aps, parts)
    if settings.sync_report is not None:
        scheduler.every(SYNC_REPORT_JOB, SYNC_REPORT_TICK, lambda: send_due_report(parts))
    scheduler.every(PRUNE_JOB, PRUNE_EVERY, PruneJob(db, settings).tick, first_in=PRUNE_FIRST_IN)
    return scheduler
