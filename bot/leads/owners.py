"""Owner lookups: who in Slack is behind a lead's `owner_email`, found in the background.

Intake never calls Slack. A lead whose owner_email is neither on the roster nor in the lookup
cache (`email_lookups`, misses included, USER_CACHE_TTL) is stored without an owner and with
`owner_pending`, and the address gets one row in `owner_lookups` however many leads name it
(`request_lookups`, in the intake transaction). A hot one's alert waits until
`owner_wait_until` (OWNER_LOOKUP_WAIT after it arrived).

`OwnerLookups`, a worker thread started with the app, is the one place that decides what is
due here. Each round it:
- gives every hot lead whose wait is over to round robin, or offers it in SALES_CHANNEL
  (`notify.wait_over`); its lookup goes on;
- claims due lookups (a short lease; FOR UPDATE SKIP LOCKED on PostgreSQL, so several
  processes share the work) and asks Slack, at most `concurrency` at a time and at most
  OWNER_LOOKUPS_PER_MINUTE (users.lookupByEmail is Tier 3);
- caches each answer and applies it to every lead waiting for it: found, the lead is the
  rep's and a hot one's alert goes to them (an offer made meanwhile in SALES_CHANNEL is
  updated to say so, `notify.owner_found`); no such user, a waiting lead goes to round robin
  (or is offered) now;
- retries a call Slack did not answer (5xx, 429, connection error) with exponential backoff,
  after Retry-After for a 429 (and no lookup at all goes out before then); after
  GIVE_UP_AFTER it stops and the lead stays unassigned.

Everything lives in the database, so a restart or a second process neither loses nor repeats
a lookup or an alert. Logs name no address (ids and counts only).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.db import Database
from bot.leads import notify
from bot.models import Lead, OwnerLookup, utcnow
from bot.people import EmailAnswer, SlackDirectory

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(minutes=2)
GIVE_UP_AFTER = timedelta(hours=24)
LEASE = timedelta(seconds=30)


def request_lookups(
    session: Session, emails: Collection[str], *, now: datetime | None = None
) -> None:
    """Owe Slack one users.lookupByEmail per address (an address already owed is left as is)."""
    if not emails:
        return
    now = now or utcnow()
    rows = [
        {"email": email, "requested_at": now, "attempts": 0, "next_attempt_at": now}
        for email in sorted(emails)
    ]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for start in range(0, len(rows), 500):
        statement = insert(OwnerLookup).values(rows[start : start + 500])
        session.execute(statement.on_conflict_do_nothing(index_elements=["email"]))


def pending_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OwnerLookup)) or 0


class _Pace:
    """A token bucket: at most `per_minute` calls a minute, in bursts of at most `burst`."""

    def __init__(self, per_minute: int, burst: int = 10) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(max(1, min(per_minute, burst)))
        self.tokens = self.capacity
        self.stamp = time.monotonic()
        self.paused_until = 0.0

    def _refill(self) -> None:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def take(self, wanted: int) -> int:
        if time.monotonic() < self.paused_until:
            return 0
        self._refill()
        granted = min(wanted, int(self.tokens))
        self.tokens -= granted
        return granted

    def give_back(self, count: int) -> None:
        self.tokens = min(self.capacity, self.tokens + count)

    def pause(self, seconds: float) -> None:
        self.paused_until = max(self.paused_until, time.monotonic() + seconds)

    def wait(self) -> float:
        """Seconds until the next call may go out."""
        self._refill()
        paused = self.paused_until - time.monotonic()
        short = 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate
        return max(paused, short, 0.0)


def backoff(attempts: int) -> timedelta:
    """1 s, 2 s, 4 s ... up to MAX_BACKOFF, with jitter so processes do not call in step."""
    base = min(MAX_BACKOFF.total_seconds(), 2.0 ** max(0, attempts - 1))
    return timedelta(seconds=base * random.uniform(0.75, 1.0))


@dataclass
class RoundReport:
    asked: int = 0
    found: int = 0
    not_found: int = 0
    failed: int = 0
    offered: int = 0


class OwnerLookups:
    """The background worker (see the module docstring). `run_once()` does one round."""

    def __init__(
        self,
        db: Database,
        directory: SlackDirectory,
        settings: Settings,
        *,
        concurrency: int = 4,
        poll_interval: float = 2.0,
    ) -> None:
        self.db = db
        self.directory = directory
        self.settings = settings
        self.concurrency = concurrency
        self.poll_interval = poll_interval
        self.pace = _Pace(settings.owner_lookups_per_minute)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None

    # -- the thread ------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="owner-lookup")
        self._thread = threading.Thread(target=self._run, name="owner-lookups", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                delay = self.run_once()
            except Exception:
                log.exception("owner lookups: a round failed; trying again shortly")
                delay = self.poll_interval
            if delay > 0:
                self._wake.wait(delay)
                self._wake.clear()

    # -- one round -------------------------------------------------------------------------

    def run_once(self, now: datetime | None = None) -> float:
        """Offer leads whose wait is over, ask Slack what is due, apply the answers. Returns
        how long to sleep before the next round (0: more is due now)."""
        report = RoundReport()
        report.offered = self.offer_overdue(now or utcnow())
        wanted = self.concurrency * 4
        granted = self.pace.take(wanted)
        emails = self._claim(granted, now or utcnow()) if granted else []
        self.pace.give_back(granted - len(emails))
        if emails:
            if self._pool is not None and len(emails) > 1:
                answers = list(self._pool.map(self.directory.ask_slack, emails))
            else:
                answers = [self.directory.ask_slack(email) for email in emails]
            for email, answer in zip(emails, answers, strict=True):
                self._apply(email, answer, now or utcnow(), report)
            report.asked = len(emails)
        if report.asked or report.offered:
            log.info(
                "owner lookups: %d asked, %d found, %d not in Slack, %d to retry; "
                "%d leads offered after the wait",
                report.asked,
                report.found,
                report.not_found,
                report.failed,
                report.offered,
            )
        if len(emails) == wanted:
            return 0.0
        return self._next_delay(now or utcnow())

    def offer_overdue(self, now: datetime) -> int:
        """Hot leads whose OWNER_LOOKUP_WAIT is over: to round robin, or offered in
        SALES_CHANNEL (`notify.wait_over`)."""
        with self.db.session() as session:
            query = (
                select(Lead)
                .where(Lead.owner_wait_until.is_not(None), Lead.owner_wait_until <= now)
                .order_by(Lead.owner_wait_until)
                .limit(200)
            )
            if self.db.is_postgres:
                query = query.with_for_update(skip_locked=True)
            leads = list(session.scalars(query))
            for lead in leads:
                notify.wait_over(
                    session, lead, settings=self.settings, directory=self.directory, now=now
                )
        return len(leads)

    def _claim(self, limit: int, now: datetime) -> list[str]:
        with self.db.session() as session:
            query = (
                select(OwnerLookup)
                .where(
                    OwnerLookup.next_attempt_at <= now,
                    or_(OwnerLookup.locked_until.is_(None), OwnerLookup.locked_until <= now),
                )
                .order_by(OwnerLookup.next_attempt_at)
                .limit(limit)
            )
            if self.db.is_postgres:
                query = query.with_for_update(skip_locked=True)
            rows = list(session.scalars(query))
            for row in rows:
                row.locked_until = now + LEASE
                row.attempts += 1
            return [row.email for row in rows]

    def _apply(self, email: str, answer: EmailAnswer, now: datetime, report: RoundReport) -> None:
        with self.db.session() as session:
            # Lock the waiting leads before the lookup row: intake locks a lead and then owes
            # its lookup, so taking them in the other order can deadlock with it.
            waiting = list(self._waiting(session, email))
            row = session.get(OwnerLookup, email)
            if not answer.answered:
                report.failed += 1
                if row is None:
                    return
                if now - row.requested_at < GIVE_UP_AFTER:
                    if answer.retry_after is not None:
                        self.pace.pause(answer.retry_after)
                        delay = timedelta(seconds=answer.retry_after)
                    else:
                        delay = backoff(row.attempts)
                    row.next_attempt_at = now + delay
                    row.locked_until = None
                    row.last_error = answer.error
                    log.warning(
                        "owner lookup failed (%s, attempt %d); retrying in %.0f s",
                        answer.error,
                        row.attempts,
                        delay.total_seconds(),
                    )
                    return
                log.warning("owner lookup failed for %s; giving up", GIVE_UP_AFTER)
                session.delete(row)
                self._settle(session, waiting, None, now)
                return
            if row is not None:
                session.delete(row)
            self.directory.remember(session, email, answer.slack_id)
            if answer.slack_id:
                report.found += 1
            else:
                report.not_found += 1
            self._settle(session, waiting, answer.slack_id, now)

    @staticmethod
    def _waiting(session: Session, email: str) -> Iterable[Lead]:
        """The leads waiting for `email`'s answer, locked."""
        return session.scalars(
            select(Lead)
            .where(Lead.owner_pending.is_(True), Lead.owner_email == email)
            .order_by(Lead.id)
            .with_for_update()
        )

    def _settle(
        self, session: Session, waiting: list[Lead], slack_id: str | None, now: datetime
    ) -> None:
        """Every lead waiting for the address gets its answer."""
        for lead in waiting:
            if lead.owner_id is not None:  # claimed or assigned meanwhile: theirs it stays
                lead.owner_pending, lead.owner_wait_until = False, None
            elif slack_id:
                notify.owner_found(
                    session,
                    lead,
                    slack_id,
                    settings=self.settings,
                    directory=self.directory,
                    now=now,
                )
            else:
                notify.owner_not_found(
                    session, lead, settings=self.settings, directory=self.directory, now=now
                )

    def _next_delay(self, now: datetime) -> float:
        with self.db.session() as session:
            next_lookup = session.scalar(
                select(func.min(OwnerLookup.next_attempt_at)).where(
                    or_(OwnerLookup.locked_until.is_(None), OwnerLookup.locked_until <= now)
                )
            )
            next_wait = session.scalar(
                select(func.min(Lead.owner_wait_until)).where(Lead.owner_wait_until.is_not(None))
            )
        delay = self.poll_interval
        if next_lookup is not None:
            lookup_delay = max((next_lookup - now).total_seconds(), self.pace.wait())
            delay = min(delay, lookup_delay)
        if next_wait is not None:
            delay = min(delay, (next_wait - now).total_seconds())
        return max(0.05, delay)
