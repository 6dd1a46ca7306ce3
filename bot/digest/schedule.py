"""Digest jobs for an APScheduler 3.x scheduler that only ticks: what is due lives in the
database (the `digests` table), so a tick that runs twice, late or in two processes sends
each digest once.

- `digest:<zone>`: one CronTrigger per distinct manager time zone, at DIGEST_TIME on working
  days (every day with `WORKING_HOURS=always`);
- `digest-refresh`: shortly after startup and then every 15 minutes, re-syncs the zone jobs
  (a manager added to the roster, or whose time zone changed, needs no restart) and sends
  whatever is due and unsent: the catch-up for digests missed while the app was down, as long
  as it is still that manager's working day.

Registering touches no database (the scheduler is built before migrations run); the first
refresh does. It waits STARTUP_DELAY, so the app is fully up before digests go out.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.config import Settings
from bot.digest.parts import DigestApp
from bot.digest.send import manager_ids, send_due_digests
from bot.digest.zones import zones
from bot.workhours import DAYS

log = logging.getLogger(__name__)

JOB_PREFIX = "digest:"
REFRESH_JOB = "digest-refresh"
REFRESH_EVERY = timedelta(minutes=15)
STARTUP_DELAY = timedelta(seconds=60)
MISFIRE_GRACE = timedelta(hours=3)  # the send window, not the grace, decides what is still due


def cron_trigger(settings: Settings, zone: str) -> CronTrigger:
    hours = settings.working_hours
    days = "*" if hours.always else ",".join(DAYS[d] for d in sorted(hours.days))
    return CronTrigger(
        day_of_week=days,
        hour=settings.digest_time.hour,
        minute=settings.digest_time.minute,
        timezone=ZoneInfo(zone),
    )


def manager_zones(handoff: DigestApp) -> set[str]:
    with handoff.db.session() as session:
        managers = manager_ids(session)
    return {zone.key for zone in zones(handoff.directory, managers).values()}


def run_zone(handoff: DigestApp, zone: str | None = None) -> None:
    try:
        send_due_digests(handoff, zone=zone)
    except Exception:
        log.exception("digest run failed; the next tick retries")


def sync_zone_jobs(scheduler: Any, handoff: DigestApp) -> set[str]:
    """One cron job per manager time zone; jobs of zones nobody is in any more are removed."""
    wanted = manager_zones(handoff)
    for zone in wanted:
        scheduler.add_job(
            run_zone,
            cron_trigger(handoff.settings, zone),
            args=[handoff, zone],
            id=f"{JOB_PREFIX}{zone}",
            name=f"daily digest ({zone})",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=int(MISFIRE_GRACE.total_seconds()),
        )
    for job in scheduler.get_jobs():
        if job.id.startswith(JOB_PREFIX) and job.id[len(JOB_PREFIX) :] not in wanted:
            job.remove()
    return wanted


def refresh(scheduler: Any, handoff: DigestApp) -> None:
    """Re-sync the zone jobs, then send every digest that is due and unsent (the catch-up)."""
    try:
        sync_zone_jobs(scheduler, handoff)
    except Exception:
        log.exception("could not re-sync the digest jobs; the next refresh retries")
    run_zone(handoff)


def schedule_digests(
    scheduler: Any, handoff: DigestApp, *, startup_delay: timedelta = STARTUP_DELAY
) -> None:
    """Register the digest jobs on `scheduler` (an APScheduler 3.x scheduler, started or not)."""
    scheduler.add_job(
        refresh,
        "interval",
        seconds=int(REFRESH_EVERY.total_seconds()),
        args=[scheduler, handoff],
        id=REFRESH_JOB,
        name="digest refresh and catch-up",
        next_run_time=datetime.now(UTC) + startup_delay,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=int(REFRESH_EVERY.total_seconds()),
    )
