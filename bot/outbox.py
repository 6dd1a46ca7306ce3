"""The Slack outbox: every message Handoff sends is a row here first.

`enqueue()` adds the row in the caller's transaction, so a message exists exactly when the
change that causes it was committed. `Dispatcher` sends due rows in the background: woken at
once after a commit, retried with backoff on connection errors, 5xx and 429 (honouring
Retry-After), spaced to about one post per channel per second, and marked sent.

Posts may carry a `key`; where they landed (channel, ts) is recorded under that key in
`slack_messages`, so a later `chat.update` or threaded reply can name its target by key even
before the target has been sent: such a row waits until its target exists.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db import Database
from bot.models import OutboxMessage, SlackMessage, utcnow

log = logging.getLogger(__name__)

POSTING_METHODS = {"chat.postMessage", "chat.postEphemeral"}
MAX_BACKOFF = timedelta(minutes=5)
GIVE_UP_AFTER = timedelta(hours=24)
_waiters: list[Callable[[], None]] = []


def on_enqueue(callback: Callable[[], None]) -> None:
    """Register a callback run after a commit that added outbox rows (the dispatcher's wake)."""
    _waiters.append(callback)


def _wake_all() -> None:
    for callback in list(_waiters):
        callback()


def enqueue(
    session: Session,
    method: str,
    *,
    key: str | None = None,
    target: str | None = None,
    thread: str | None = None,
    **args: Any,
) -> OutboxMessage | None:
    """Owe Slack a call of `method` with `args`, sent after `session` commits.

    key: idempotency key; a second enqueue with the same key is ignored (returns None).
      For a post, the key also names where the message lands.
    target: key of a posted message this call acts on (chat.update): its channel and ts are
      filled in at send time.
    thread: key of a posted message to reply under (its channel and thread_ts are filled in).
    """
    if key is not None:
        exists_already = session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key))
        if exists_already is not None:
            return None
    row = OutboxMessage(
        key=key,
        method=method,
        channel=args.get("channel"),
        target_key=target,
        thread_key=thread,
        args=args,
        next_attempt_at=utcnow(),
    )
    if key is not None:
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            return None
    else:
        session.add(row)
    session.info["outbox_dirty"] = True
    return row


def _after_commit(session: Session) -> None:
    if session.info.pop("outbox_dirty", False):
        _wake_all()


def _after_rollback(session: Session) -> None:
    session.info.pop("outbox_dirty", None)


def install_session_hooks() -> None:
    from sqlalchemy import event

    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", lambda s, _t: _after_rollback(s))


install_session_hooks()


def message_location(session: Session, key: str) -> SlackMessage | None:
    return session.get(SlackMessage, key)


class _Retry(Exception):
    def __init__(self, delay: float, reason: str) -> None:
        super().__init__(reason)
        self.delay = delay
        self.reason = reason


class Dispatcher:
    """Sends outbox rows in a background thread; several processes may share one database."""

    def __init__(
        self,
        db: Database,
        client: WebClient,
        *,
        channel_interval: timedelta = timedelta(seconds=1),
        workers: int = 8,
        lease: timedelta = timedelta(seconds=60),
        poll_interval: float = 2.0,
        batch: int = 200,
    ) -> None:
        self.db = db
        self.client = client
        self.channel_interval = channel_interval.total_seconds()
        self.lease = lease
        self.poll_interval = poll_interval
        self.batch = batch
        self.token = uuid.uuid4().hex
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="outbox")
        self._busy: set[str] = set()
        self._lock = threading.Lock()
        self._channel_ready: dict[str, float] = defaultdict(float)
        self._paused_until: dict[str, float] = {}
        on_enqueue(self.wake)

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="outbox-dispatcher", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self.wake in _waiters:
            _waiters.remove(self.wake)

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.dispatch_once()
            except Exception:
                log.exception("outbox dispatch round failed; retrying shortly")
            self._wake.wait(self.poll_interval)
            self._wake.clear()

    # -- claiming --------------------------------------------------------------------------
    def _claim(self) -> list[OutboxMessage]:
        now = utcnow()
        with self._lock:
            busy = set(self._busy)
        target_posted = or_(
            OutboxMessage.target_key.is_(None),
            exists().where(SlackMessage.key == OutboxMessage.target_key),
        )
        thread_posted = or_(
            OutboxMessage.thread_key.is_(None),
            exists().where(SlackMessage.key == OutboxMessage.thread_key),
        )
        due = (
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status == "pending",
                OutboxMessage.next_attempt_at <= now,
                or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
                target_posted,
                thread_posted,
            )
            .order_by(OutboxMessage.id)
            .limit(self.batch)
        )
        if busy:
            due = due.where(
                or_(OutboxMessage.channel.is_(None), OutboxMessage.channel.not_in(busy))
            )
        if self.db.is_postgres:
            due = due.with_for_update(skip_locked=True)
        token = uuid.uuid4().hex
        with self.db.session() as session:
            ids = list(session.scalars(due))
            if not ids:
                return []
            session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id.in_(ids),
                    or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
                )
                .values(lock_token=token, locked_until=now + self.lease)
                .execution_options(synchronize_session=False)
            )
        with self.db.session() as session:
            rows = list(
                session.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.lock_token == token)
                    .order_by(OutboxMessage.id)
                )
            )
            session.expunge_all()
        return rows

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

    # -- sending ---------------------------------------------------------------------------
    def _send_group(self, channel: str, group: list[OutboxMessage]) -> None:
        try:
            for index, row in enumerate(group):
                if self._stop.is_set():
                    self._release(group[index:])
                    return
                self._send_one(row)
        except Exception:
            log.exception("outbox worker failed")
        finally:
            with self._lock:
                self._busy.discard(channel)
            self._wake.set()

    def _release(self, rows: list[OutboxMessage]) -> None:
        with self.db.session() as session:
            session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id.in_([r.id for r in rows]), OutboxMessage.status == "pending"
                )
                .values(lock_token=None, locked_until=None)
                .execution_options(synchronize_session=False)
            )

    def _wait_for_channel(self, row: OutboxMessage) -> None:
        if row.method not in POSTING_METHODS or not row.channel or self.channel_interval <= 0:
            return
        ready_at = self._channel_ready[row.channel]
        delay = ready_at - time.monotonic()
        if delay > 0:
            self._stop.wait(delay)
        self._channel_ready[row.channel] = time.monotonic() + self.channel_interval

    def _send_one(self, row: OutboxMessage) -> None:
        paused = self._paused_until.get(row.method, 0) - time.monotonic()
        if paused > 0:
            self._reschedule(row, paused, "rate limited")
            return
        with self.db.session() as session:
            if _superseded(session, row):
                superseded = True
            else:
                superseded = False
                args = self._resolved_args(session, row)
        if superseded:
            self._finish(row, "superseded")
            return
        if args is None:
            self._finish(row, "failed", error="target message unknown")
            return
        self._wait_for_channel(row)
        try:
            response = self._call(row.method, args)
        except _Retry as retry:
            self._reschedule(row, retry.delay, retry.reason)
            return
        except _Permanent as exc:
            log.warning("Slack %s failed for outbox #%s: %s", row.method, row.id, exc)
            self._finish(row, "failed", error=str(exc))
            return
        self._finish(row, "sent", response=response)

    def _resolved_args(self, session: Session, row: OutboxMessage) -> dict[str, Any] | None:
        args = dict(row.args)
        if row.target_key:
            target = session.get(SlackMessage, row.target_key)
            if target is None:
                return None
            args["channel"], args["ts"] = target.channel, target.ts
        if row.thread_key:
            parent = session.get(SlackMessage, row.thread_key)
            if parent is None:
                return None
            args["channel"], args["thread_ts"] = parent.channel, parent.ts
        return args

    def _call(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        try:
            return self.client.api_call(method, json=args).data  # type: ignore[return-value]
        except SlackApiError as exc:
            status = exc.response.status_code
            error = str(exc.response.get("error") or status)
            if status == 429:
                delay = float(exc.response.headers.get("Retry-After", 1) or 1)
                self._paused_until[method] = time.monotonic() + delay
                raise _Retry(delay, "ratelimited") from None
            if status >= 500 or error in RETRYABLE_ERRORS:
                raise _Retry(-1, f"HTTP {status} {error}") from None
            raise _Permanent(error) from None
        except (OSError, TimeoutError) as exc:
            raise _Retry(-1, type(exc).__name__) from None

    def _reschedule(self, row: OutboxMessage, delay: float, reason: str) -> None:
        now = utcnow()
        if now - row.created_at > GIVE_UP_AFTER:
            self._finish(row, "failed", error=f"gave up after 24h: {reason}")
            return
        if delay < 0:  # exponential backoff with jitter: 1s, 2s, 4s … up to 5 minutes
            delay = min(MAX_BACKOFF.total_seconds(), 2 ** min(row.attempts, 10))
            delay *= 0.75 + random.random() / 2
        log.info("Slack %s for outbox #%s deferred %.1fs: %s", row.method, row.id, delay, reason)
        with self.db.session() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id)
                .values(
                    attempts=OutboxMessage.attempts + 1,
                    next_attempt_at=now + timedelta(seconds=delay),
                    lock_token=None,
                    locked_until=None,
                    last_error=reason[:500],
                )
            )

    def _finish(
        self,
        row: OutboxMessage,
        status: str,
        *,
        response: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        with self.db.session() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id)
                .values(
                    status=status,
                    attempts=OutboxMessage.attempts + 1,
                    sent_at=utcnow() if status == "sent" else None,
                    lock_token=None,
                    locked_until=None,
                    last_error=error[:500] if error else None,
                )
            )
            if status == "sent" and row.key and response and row.method == "chat.postMessage":
                session.merge(
                    SlackMessage(key=row.key, channel=response["channel"], ts=response["ts"])
                )
            if status == "failed" and row.key:
                _fail_dependents(session, row.key)
        if status == "sent":
            self._wake.set()


def _superseded(session: Session, row: OutboxMessage) -> bool:
    """An update is moot when a newer update of the same message is queued or sent: the newest
    state wins even if an older update was held back by a retry."""
    if row.method != "chat.update" or not row.target_key:
        return False
    newer = select(OutboxMessage.id).where(
        OutboxMessage.target_key == row.target_key,
        OutboxMessage.method == "chat.update",
        OutboxMessage.id > row.id,
        OutboxMessage.status.in_(("pending", "sent")),
    )
    return session.scalar(newer.limit(1)) is not None


def _fail_dependents(session: Session, key: str) -> None:
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == "pending",
            or_(OutboxMessage.target_key == key, OutboxMessage.thread_key == key),
        )
        .values(status="failed", last_error="the message it refers to could not be sent")
        .execution_options(synchronize_session=False)
    )


class _Permanent(Exception):
    pass


RETRYABLE_ERRORS = {
    "ratelimited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
}


def pending_count(session: Session) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
        )
        or 0
    )


def stats(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    return {status: count for status, count in rows}


__all__ = ["Dispatcher", "enqueue", "message_location", "on_enqueue", "pending_count", "stats"]
