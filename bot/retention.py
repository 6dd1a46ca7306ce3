"""Retention: what Handoff deletes so its database does not grow without bound.

`prune()` deletes, in one transaction per kind:

- outbox rows that are done (sent, failed, superseded) and older than RETENTION: each holds
  the rendered message, lead details included. Where a post landed (`slack_messages`, a key,
  a channel and a ts) is kept, so the message can still be updated or erased, and its key is
  never posted again (`bot.outbox.queue.enqueue` checks it);
- Events API ids and seen signatures (`slack_events`) after a day: Slack retries within
  minutes, and a request's signature is valid for five;
- cached Slack lookups after USER_CACHE_TTL, when they would be asked again anyway:
  `email_lookups`, and `slack_users` of people who are not on the roster (the roster's entries
  stay, so their time zones are known while Slack is unreachable);
- `job_runs` after RETENTION;
- the lead sources' request log (`source_requests`) after RETENTION, and the delivery ids
  they deduplicate by (`source_seen`: HubSpot event ids, Salesforce notification ids) after
  RETENTION; the newest version seen of each CRM record stays.

Leads, campaigns, feedback, pings and digests are kept: they are the figures.

`PruneJob` is the scheduled run: every process ticks it hourly (first 5 minutes after start),
and the first to record the hour in `job_runs` (a primary key) runs it, so it runs once an
hour across processes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, CursorResult, Delete, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.db import Database
from bot.models import (
    EmailLookup,
    JobRun,
    OutboxMessage,
    Person,
    SlackEvent,
    SlackUser,
    SourceRequest,
    SourceSeen,
    utcnow,
)
from bot.states import OutboxStatus

log = logging.getLogger(__name__)

PRUNE_JOB = "retention-prune"
PRUNE_EVERY = timedelta(hours=1)
PRUNE_FIRST_IN = timedelta(minutes=5)  # not while a starting app is busy catching up
EVENT_IDS_KEPT = timedelta(days=1)
DONE = (OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.SUPERSEDED)


@dataclass(frozen=True)
class PruneStep:
    """One kind of row to delete: `what` (printed), its table's model, and the condition."""

    what: str
    model: type
    condition: Callable[[Settings, datetime], ColumnElement[bool]]


def _outbox(settings: Settings, now: datetime) -> ColumnElement[bool]:
    return OutboxMessage.status.in_(DONE) & (OutboxMessage.created_at < now - settings.retention)


def _events(_settings: Settings, now: datetime) -> ColumnElement[bool]:
    return SlackEvent.received_at < now - EVENT_IDS_KEPT


def _email_lookups(settings: Settings, now: datetime) -> ColumnElement[bool]:
    return EmailLookup.fetched_at < now - settings.user_cache_ttl


def _slack_users(settings: Settings, now: datetime) -> ColumnElement[bool]:
    return (SlackUser.fetched_at < now - settings.user_cache_ttl) & SlackUser.slack_id.not_in(
        select(Person.slack_id)
    )


def _job_runs(settings: Settings, now: datetime) -> ColumnElement[bool]:
    return JobRun.started_at < now - settings.retention


def _source_requests(settings: Settings, now: datetime) -> ColumnElement[bool]:
    return SourceRequest.at < now - settings.retention


def _source_deliveries(settings: Settings, now: datetime) -> ColumnElement[bool]:
    """HubSpot event ids (`e:`) and Salesforce notification ids (`n:`): both vendors stop
    redelivering within a day. A record's newest version (`r:`) is kept, so an old copy of
    it arriving later still cannot overwrite a newer one."""
    return (SourceSeen.at < now - settings.retention) & ~SourceSeen.key.startswith("r:")


PRUNE_STEPS: list[PruneStep] = [
    PruneStep("sent and failed Slack messages (outbox)", OutboxMessage, _outbox),
    PruneStep("Slack event ids and signatures", SlackEvent, _events),
    PruneStep("cached email lookups", EmailLookup, _email_lookups),
    PruneStep("cached Slack profiles", SlackUser, _slack_users),
    PruneStep("job runs", JobRun, _job_runs),
    PruneStep("lead source request log lines", SourceRequest, _source_requests),
    PruneStep("lead source delivery ids", SourceSeen, _source_deliveries),
]


@dataclass(frozen=True)
class PruneResult:
    counts: dict[str, int]
    dry_run: bool

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def lines(self) -> list[str]:
        verb = "Would remove" if self.dry_run else "Removed"
        return [f"{verb} {count} {what}." for what, count in self.counts.items()]


def prune(
    db: Database, settings: Settings, *, dry_run: bool = False, now: datetime | None = None
) -> PruneResult:
    """Delete (or, with `dry_run`, count) what is past its time; what was removed, per kind."""
    now = now or utcnow()
    counts: dict[str, int] = {}
    for step in PRUNE_STEPS:
        condition = step.condition(settings, now)
        with db.session() as session:
            if dry_run:
                counted = select(func.count()).select_from(step.model).where(condition)
                counts[step.what] = session.scalar(counted) or 0
            else:
                counts[step.what] = _delete(session, delete(step.model).where(condition))
    return PruneResult(counts, dry_run)


def _delete(session: Session, statement: Delete) -> int:
    result = session.execute(statement.execution_options(synchronize_session=False))
    assert isinstance(result, CursorResult)  # a DELETE always has a cursor result
    return result.rowcount or 0


def claim_run(db: Database, job: str, slot: str) -> bool:
    """True for the one process that records (job, slot) first; False for every other."""
    try:
        with db.session() as session:
            session.add(JobRun(job=job, slot=slot))
    except IntegrityError:
        return False
    return True


class PruneJob:
    """The scheduled prune (see the module docstring): `tick()` every PRUNE_EVERY."""

    def __init__(self, db: Database, settings: Settings, clock: Callable[[], datetime] = utcnow):
        self.db = db
        self.settings = settings
        self.clock = clock

    def tick(self) -> PruneResult | None:
        now = self.clock()
        if not claim_run(self.db, PRUNE_JOB, f"{now:%Y-%m-%dT%H}"):
            return None
        result = prune(self.db, self.settings, now=now)
        if result.total:
            log.info(
                "retention: removed %s",
                ", ".join(f"{count} {what}" for what, count in result.counts.items() if count),
            )
        return result
