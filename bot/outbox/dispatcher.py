"""The dispatcher: a background loop that sends claimed outbox rows and records the outcome.

Woken at once after a commit that enqueued rows (and polled otherwise), it claims due rows
(`claims`), hands them to a worker pool one task per channel, keeps each method below its
Slack tier (`pacing`: a row over it is rescheduled, so a newer update can supersede it),
spaces posts to about one per channel per interval, looks an earlier unsure attempt up in
Slack before posting again (`history`), reschedules retryable failures with backoff (giving
up after 24 h) and marks rows sent, failed or superseded.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import ColumnElement, Update, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot import metrics
from bot.db import Database
from bot.models import OutboxMessage, SlackMessage, utcnow
from bot.outbox import calls, uploads
from bot.outbox.calls import Permanent, Retry
from bot.outbox.claims import POSTING_METHODS, Claims
from bot.outbox.history import find_posted, post_metadata
from bot.outbox.pacing import Pacer
from bot.outbox.queue import (
    fail_dependents,
    forget_waiter,
    on_enqueue,
    post_key,
    rendered_args,
    resolved_args,
    superseded,
)
from bot.priority import Priority
from bot.states import OutboxStatus

log = logging.getLogger("bot.outbox")

MAX_BACKOFF = timedelta(minutes=5)
# One worker drains one channel at a time and mostly sleeps between its posts (about one a
# second per channel), so a burst to many reps' DMs needs many: with 8, a webinar's 40 DMs
# were drained 8 at a time (bench/webinar_burst.py: p50 12 s, max 21 s; with 32: 4.6 s, 8.9 s).
WORKERS = 32
GIVE_UP_AFTER = timedelta(hours=24)


def _record(*where: ColumnElement[bool]) -> Update:
    """How a row's outcome is written (built once: a message's last statement)."""
    return (
        update(OutboxMessage)
        .where(OutboxMessage.id == bindparam("row_id"), *where)
        .values(
            status=bindparam("outcome"),
            attempts=OutboxMessage.attempts + 1,
            sent_at=bindparam("sent_at"),
            lock_token=None,
            locked_until=None,
            last_error=bindparam("error"),
        )
        .execution_options(synchronize_session=False)
    )


_RECORD_SENT = _record()
_RECORD_MINE = _record(OutboxMessage.lock_token == bindparam("holder"))


def remember_post(session: Session, key: str, channel: str, ts: str) -> None:
    """Where the post keyed `key` landed: one INSERT, updated in place if the key is known."""
    postgres = session.get_bind().dialect.name == "postgresql"
    insert = postgresql.insert if postgres else sqlite.insert
    statement = insert(SlackMessage).values(key=key, channel=channel, ts=ts, posted_at=utcnow())
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[SlackMessage.key],
            set_={"channel": statement.excluded.channel, "ts": statement.excluded.ts},
        )
    )


class Dispatcher(Claims):
    """Sends outbox rows in a background thread; several processes may share one database.

    Claims and leases: see `bot.outbox.claims`. Re-sends: every chat.postMessage carries
    metadata naming its outbox key, and the start of an attempt whose outcome Handoff may not
    learn is recorded first (`attempt_started_at`). A row with such an attempt behind it is
    looked up in the conversation's history before it is posted again (`bot.outbox.history`).
    """

    def __init__(
        self,
        db: Database,
        client: WebClient,
        *,
        channel_interval: timedelta = timedelta(seconds=1),
        workers: int = WORKERS,
        lease: timedelta = timedelta(seconds=6),
        poll_interval: float = 2.0,
        batch: int = 200,
        priority: Priority | None = None,
    ) -> None:
        self.db = db
        self.priority = priority or Priority()
        self.client = client
        self.channel_interval = channel_interval.total_seconds()
        self.lease = lease
        self.renew_every = max(0.1, lease.total_seconds() / 3)
        self.poll_interval = poll_interval
        self.batch = batch
        self.token = uuid.uuid4().hex  # this dispatcher's name in `lock_token`
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._heartbeat: threading.Thread | None = None
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="outbox")
        self._busy: set[str] = set()
        self._held: set[int] = set()
        self._lock = threading.Lock()
        self._channel_ready: dict[str, float] = defaultdict(float)
        self._paused_until: dict[str, float] = {}
        self.pacer = Pacer()
        on_enqueue(self.wake)

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="outbox-dispatcher", daemon=True)
            self._heartbeat = threading.Thread(
                target=self._beat, name="outbox-heartbeat", daemon=True
            )
            self._thread.start()
            self._heartbeat.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        for thread in (self._thread, self._heartbeat):
            if thread is not None:
                thread.join(timeout)
        self._thread = self._heartbeat = None
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._release_all()
        forget_waiter(self.wake)

    def wake(self) -> None:
        self._wake.set()

    def deliver(self, keys: list[str], timeout: float) -> dict[str, str]:
        """Start sending (a CLI command's own dispatcher) and wait up to `timeout` seconds
        until none of the rows keyed `keys` is pending; returns each key's status."""
        self.start()
        deadline = time.monotonic() + timeout
        while True:
            with self.db.read_session() as session:
                rows = session.execute(
                    select(OutboxMessage.key, OutboxMessage.status).where(
                        OutboxMessage.key.in_(keys)
                    )
                ).all()
            status = {key: value for key, value in rows if key is not None}
            pending = any(value == OutboxStatus.PENDING for value in status.values())
            if not pending or time.monotonic() > deadline:
                return status
            time.sleep(0.1)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.dispatch_once()
            except Exception:
                log.exception("outbox dispatch round failed; retrying shortly")
            self._wake.wait(self.poll_interval)
            self._wake.clear()

    def _beat(self) -> None:
        while not self._stop.wait(self.renew_every):
            try:
                self.renew_claims()
            except Exception:
                log.exception("outbox heartbeat failed; retrying shortly")

    def dispatch_once(self) -> int:
        """Claim due rows and hand them to the workers, one task per channel. Returns the count."""
        rows = self._claim()
        if not rows:
            return 0
        groups: dict[str, list[OutboxMessage]] = defaultdict(list)
        for row in rows:
            groups[row.channel or f"_row{row.id}"].append(row)
        with self._lock:
            self._busy.update(groups)
        for channel, group in groups.items():
            self._pool.submit(self._send_group, channel, group)
        return len(rows)

    # -- channel pacing --------------------------------------------------------------------
    def _wait_for_channel(self, row: OutboxMessage) -> None:
        if row.method not in POSTING_METHODS or not row.channel or self.channel_interval <= 0:
            return
        ready_at = self._channel_ready[row.channel]
        delay = ready_at - time.monotonic()
        if delay > 0:
            self._stop.wait(delay)

    def _mark_channel(self, row: OutboxMessage) -> None:
        """The next post to this channel waits a full interval from now (right before a call)."""
        if row.method in POSTING_METHODS and row.channel and self.channel_interval > 0:
            self._channel_ready[row.channel] = time.monotonic() + self.channel_interval

    # -- sending ---------------------------------------------------------------------------
    def _send_group(self, channel: str, group: list[OutboxMessage]) -> None:
        index = 0
        try:
            for index, row in enumerate(group):
                if self._stop.is_set():
                    self._release(group[index:])
                    return
                self._send_one(row)
                self._done_with([row])
        except Exception:
            # This row and the rest of the group are no longer renewed: their leases run out
            # and they are claimed again (a database error here is usually SQLite being busy).
            self._done_with(group[index:])
            log.exception("outbox worker failed; its remaining messages are claimed again")
        finally:
            with self._lock:
                self._busy.discard(channel)
            self._wake.set()

    def _send_one(self, row: OutboxMessage) -> None:
        self.priority.give_way()  # a Slack request awaiting its ack goes first
        paused = self._paused_until.get(row.method, 0) - time.monotonic()
        if paused > 0:
            self._reschedule(row, paused, "rate limited")
            return
        # Spaced and paced before the message is resolved: one rendered when sent is
        # rendered only once its call may go out now. The claim is checked and renewed (and
        # an attempt's start recorded) in the same transaction, right before the call.
        self._wait_for_channel(row)
        checkable = row.method == "chat.postMessage"
        earlier = row.attempt_started_at if checkable else None
        attempt_at = (earlier or utcnow()) if checkable else None
        args: dict[str, Any] | None = None
        held = False
        with self.db.session() as session:
            moot = superseded(session, row)
            wait = 0.0 if moot else self.pacer.delay(row.method)
            if not moot and wait <= 0:
                args = rendered_args(session, row)
                moot = args is None
                if args is not None:
                    args = resolved_args(session, row, args)
                if args is not None:
                    held = self._hold(row, attempt_at, session=session)
        if moot:
            self._finish(row, OutboxStatus.SUPERSEDED)
            return
        if wait > 0:  # past this method's share of its Slack tier: later (or superseded)
            self._reschedule(row, wait, "paced to Slack's rate limit")
            return
        if args is None:
            self._finish(row, OutboxStatus.FAILED, error="target message unknown")
            return
        if not held:
            log.info("outbox #%s: claim taken over by another process; not sending", row.id)
            return
        if checkable:
            args["metadata"] = post_metadata(row)
        try:
            if earlier is not None:
                found = self._find_posted(row, args, earlier)
                if found is not None:
                    log.info("outbox #%s: already in Slack (%s); not posting again", row.id, found)
                    self._finish(row, OutboxStatus.SENT, response=found)
                    return
            self._mark_channel(row)
            if row.method == uploads.UPLOAD:
                response = uploads.upload(self._call, args, api_url=self.client.base_url)
            else:
                response = self._call(row.method, args)
        except Retry as retry:
            # Only an answer that proves the call did nothing forgets this attempt.
            self._reschedule(
                row, retry.delay, retry.reason, attempt_at=attempt_at if retry.unsure else earlier
            )
            return
        except Permanent as exc:
            log.warning("Slack %s failed for outbox #%s: %s", row.method, row.id, exc)
            self._finish(row, OutboxStatus.FAILED, error=str(exc))
            return
        self._finish(row, OutboxStatus.SENT, response=response)

    def _find_posted(
        self, row: OutboxMessage, args: dict[str, Any], since: datetime
    ) -> dict[str, Any] | None:
        """Where an earlier attempt of `row` landed, if Slack has it (see `bot.outbox.history`)."""

        def form_call(method: str, query: dict[str, Any]) -> dict[str, Any]:
            return self._call(method, query, form=True)

        return find_posted(form_call, row, args, since)

    def _call(self, method: str, args: dict[str, Any], *, form: bool = False) -> dict[str, Any]:
        return calls.call(self.client, self._paused_until, method, args, form=form)

    # -- recording the outcome -------------------------------------------------------------
    def _reschedule(
        self,
        row: OutboxMessage,
        delay: float,
        reason: str,
        *,
        attempt_at: datetime | None = None,
    ) -> None:
        now = utcnow()
        if now - row.created_at > GIVE_UP_AFTER:
            self._finish(row, OutboxStatus.FAILED, error=f"gave up after 24h: {reason}")
            return
        if delay < 0:  # exponential backoff with jitter: 1s, 2s, 4s … up to 5 minutes
            delay = min(MAX_BACKOFF.total_seconds(), 2 ** min(row.attempts, 10))
            delay *= 0.75 + random.random() / 2
        log.info("Slack %s for outbox #%s deferred %.1fs: %s", row.method, row.id, delay, reason)
        values: dict[str, Any] = {
            "attempts": OutboxMessage.attempts + 1,
            "next_attempt_at": now + timedelta(seconds=delay),
            "lock_token": None,
            "locked_until": None,
            "last_error": reason[:500],
        }
        if row.method == "chat.postMessage":
            values["attempt_started_at"] = attempt_at or row.attempt_started_at
        with self.db.session() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id, OutboxMessage.lock_token == self.token)
                .values(**values)
                .execution_options(synchronize_session=False)
            )

    def _finish(
        self,
        row: OutboxMessage,
        status: OutboxStatus,
        *,
        response: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        sent = status == OutboxStatus.SENT
        with self.db.session() as session:
            session.execute(
                # A post that went out is recorded as sent whoever holds the row now.
                _RECORD_SENT if sent else _RECORD_MINE,
                {
                    "row_id": row.id,
                    "holder": self.token,
                    "outcome": status,
                    "sent_at": utcnow() if sent else None,
                    "error": error[:500] if error else None,
                },
            )
            if sent and response and row.method == "chat.postMessage":
                # Every post's place, keyless ones under `outbox:<id>`: erasure edits them.
                remember_post(session, post_key(row), response["channel"], response["ts"])
            if status == OutboxStatus.FAILED and row.key:
                fail_dependents(session, row.key)
        if sent:
            metrics.message_sent(row)
            self._wake.set()
        elif status == OutboxStatus.FAILED:
            metrics.message_failed(row)
