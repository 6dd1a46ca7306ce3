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
import re
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import exists, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from bot.db import Database
from bot.models import OutboxMessage, SlackMessage, utcnow

log = logging.getLogger(__name__)

POSTING_METHODS = {"chat.postMessage", "chat.postEphemeral"}
MAX_BACKOFF = timedelta(minutes=5)
GIVE_UP_AFTER = timedelta(hours=24)
METADATA_EVENT = "handoff_outbox"  # event_type of the metadata every post carries
HISTORY_MARGIN = timedelta(seconds=60)  # looked up from this long before the first attempt
HISTORY_PAGE = 200  # messages per conversations.history page
HISTORY_PAGES = 5  # pages read at most before posting again
_USER_ID = re.compile(r"^[UW][A-Z0-9]+$")
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
    """A call to try again later; `unsure`: Slack may have done it (no or an ambiguous answer)."""

    def __init__(self, delay: float, reason: str, *, unsure: bool = True) -> None:
        super().__init__(reason)
        self.delay = delay
        self.reason = reason
        self.unsure = unsure


class Dispatcher:
    """Sends outbox rows in a background thread; several processes may share one database.

    Claims: a dispatcher claims due rows by writing its token and a short lease
    (`locked_until`); a heartbeat renews the leases of every row it still holds, so a live
    process keeps its rows and a dead one's are free again within one lease. Right before each
    Slack call the claim is checked and renewed in one UPDATE (`_hold`): a row whose claim was
    taken over is never sent by its former holder. A dispatcher claims at most as many posts per
    channel as it can send within one lease, and leaves alone a channel another live dispatcher
    is draining (order and spacing stay intact).

    Re-sends: every chat.postMessage carries metadata naming its outbox key, and the start of
    an attempt whose outcome Handoff may not learn is recorded first (`attempt_started_at`). A
    row with such an attempt behind it is looked up in the conversation's history before it is
    posted again.
    """

    def __init__(
        self,
        db: Database,
        client: WebClient,
        *,
        channel_interval: timedelta = timedelta(seconds=1),
        workers: int = 8,
        lease: timedelta = timedelta(seconds=6),
        poll_interval: float = 2.0,
        batch: int = 200,
    ) -> None:
        self.db = db
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
        self._lock = threading.Lock()
        self._channel_ready: dict[str, float] = defaultdict(float)
        self._paused_until: dict[str, float] = {}
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

    def _beat(self) -> None:
        while not self._stop.wait(self.renew_every):
            try:
                self.renew_claims()
            except Exception:
                log.exception("outbox heartbeat failed; retrying shortly")

    # -- claiming --------------------------------------------------------------------------
    def renew_claims(self) -> int:
        """Extend the lease of every row this dispatcher holds. Returns how many it holds."""
        with self.db.session() as session:
            result = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.lock_token == self.token, OutboxMessage.status == "pending")
                .values(locked_until=utcnow() + self.lease)
                .execution_options(synchronize_session=False)
            )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult

    def per_channel_claim(self) -> int:
        """How many posts to one channel fit into one lease (at least one)."""
        if self.channel_interval <= 0:
            return self.batch
        return max(1, min(self.batch, int(self.lease.total_seconds() / self.channel_interval)))

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
        free = or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now)
        held = aliased(OutboxMessage)
        drained_elsewhere = exists().where(
            held.channel == OutboxMessage.channel,
            held.status == "pending",
            held.locked_until >= now,
            held.lock_token != self.token,
        )
        due = (
            select(OutboxMessage.id, OutboxMessage.channel, OutboxMessage.method)
            .where(
                OutboxMessage.status == "pending",
                OutboxMessage.next_attempt_at <= now,
                free,
                target_posted,
                thread_posted,
                ~drained_elsewhere,
            )
            .order_by(OutboxMessage.id)
            .limit(self.batch)
        )
        if busy:
            due = due.where(
                or_(OutboxMessage.channel.is_(None), OutboxMessage.channel.not_in(busy))
            )
        if self.db.is_postgres:
            due = due.with_for_update(skip_locked=True, of=OutboxMessage)
        with self.db.session() as session:
            ids = self._within_lease(session.execute(due).all())
            if not ids:
                return []
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), free)
                .values(lock_token=self.token, locked_until=now + self.lease)
                .execution_options(synchronize_session=False)
            )
        with self.db.session() as session:
            rows = list(
                session.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.id.in_(ids), OutboxMessage.lock_token == self.token)
                    .order_by(OutboxMessage.id)
                )
            )
            session.expunge_all()
        return rows

    def _within_lease(self, candidates: Sequence[Any]) -> list[int]:
        """The candidates' ids, keeping per channel only the posts that fit into one lease."""
        room = self.per_channel_claim()
        taken: dict[str, int] = defaultdict(int)
        ids = []
        for row_id, channel, method in candidates:
            if channel and method in POSTING_METHODS:
                if taken[channel] >= room:
                    continue
                taken[channel] += 1
            ids.append(row_id)
        return ids

    def _hold(self, row: OutboxMessage, attempt_at: datetime | None = None) -> bool:
        """Check that this dispatcher still holds `row` and renew its lease, in one UPDATE;
        with `attempt_at`, also record that an attempt which may reach Slack starts now."""
        values: dict[str, Any] = {"locked_until": utcnow() + self.lease}
        if attempt_at is not None:
            values["attempt_started_at"] = attempt_at
        with self.db.session() as session:
            result = session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == row.id,
                    OutboxMessage.lock_token == self.token,
                    OutboxMessage.status == "pending",
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        return result.rowcount == 1  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult

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
                    OutboxMessage.id.in_([r.id for r in rows]),
                    OutboxMessage.lock_token == self.token,
                    OutboxMessage.status == "pending",
                )
                .values(lock_token=None, locked_until=None)
                .execution_options(synchronize_session=False)
            )

    def _release_all(self) -> None:
        try:
            with self.db.session() as session:
                session.execute(
                    update(OutboxMessage)
                    .where(
                        OutboxMessage.lock_token == self.token, OutboxMessage.status == "pending"
                    )
                    .values(lock_token=None, locked_until=None)
                    .execution_options(synchronize_session=False)
                )
        except Exception:
            log.warning(
                "outbox: could not release claims at shutdown; they expire in %s", self.lease
            )

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
        checkable = row.method == "chat.postMessage"
        if checkable:
            args["metadata"] = {"event_type": METADATA_EVENT, "event_payload": {"key": _key(row)}}
        earlier = row.attempt_started_at if checkable else None
        attempt_at = (earlier or utcnow()) if checkable else None
        if not self._hold(row, attempt_at):
            log.info("outbox #%s: claim taken over by another process; not sending", row.id)
            return
        try:
            if earlier is not None:
                found = self._find_posted(row, args, earlier)
                if found is not None:
                    log.info("outbox #%s: already in Slack (%s); not posting again", row.id, found)
                    self._finish(row, "sent", response=found)
                    return
            self._mark_channel(row)
            response = self._call(row.method, args)
        except _Retry as retry:
            # Only an answer that proves the call did nothing forgets this attempt.
            self._reschedule(
                row, retry.delay, retry.reason, attempt_at=attempt_at if retry.unsure else earlier
            )
            return
        except _Permanent as exc:
            log.warning("Slack %s failed for outbox #%s: %s", row.method, row.id, exc)
            self._finish(row, "failed", error=str(exc))
            return
        self._finish(row, "sent", response=response)

    def _find_posted(
        self, row: OutboxMessage, args: dict[str, Any], since: datetime
    ) -> dict[str, Any] | None:
        """Where an earlier attempt of `row` landed, if Slack has it: {"channel", "ts"}.

        Reads the conversation (or thread) from a little before that attempt, newest first, a
        bounded number of pages. A lookup Slack refuses for good (no scope, not a member) is
        logged and answered with None: the post is then sent again rather than lost."""
        key = _key(row)
        try:
            channel = str(args["channel"])
            if _USER_ID.match(channel):  # a DM by user id: its history lives in the IM channel
                opened = self._call("conversations.open", {"users": channel}, form=True)
                channel = opened["channel"]["id"]
            query: dict[str, Any] = {
                "channel": channel,
                "oldest": f"{(since - HISTORY_MARGIN).timestamp():.6f}",
                "include_all_metadata": "true",
                "limit": str(HISTORY_PAGE),
            }
            method = "conversations.history"
            if args.get("thread_ts"):
                method, query["ts"] = "conversations.replies", args["thread_ts"]
            for _page in range(HISTORY_PAGES):
                answer = self._call(method, query, form=True)
                for message in answer.get("messages") or []:
                    metadata = message.get("metadata") or {}
                    payload = metadata.get("event_payload") or {}
                    if metadata.get("event_type") == METADATA_EVENT and payload.get("key") == key:
                        return {"channel": channel, "ts": message["ts"]}
                cursor = (answer.get("response_metadata") or {}).get("next_cursor")
                if not answer.get("has_more") or not cursor:
                    return None
                query["cursor"] = cursor
            log.warning(
                "outbox #%s: not found in %s pages of history; posting", row.id, HISTORY_PAGES
            )
            return None
        except _Permanent as exc:
            log.warning(
                "outbox #%s: cannot check Slack for an earlier attempt (%s); posting again",
                row.id,
                exc,
            )
            return None

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

    def _call(self, method: str, args: dict[str, Any], *, form: bool = False) -> dict[str, Any]:
        try:
            if form:
                response = self.client.api_call(method, http_verb="GET", params=args)
            else:
                response = self.client.api_call(method, json=args)
            return response.data  # type: ignore[return-value]  # slack_sdk types data as dict | bytes; JSON here
        except SlackApiError as exc:
            status = exc.response.status_code
            error = str(exc.response.get("error") or status)
            if status == 429:
                delay = float(exc.response.headers.get("Retry-After", 1) or 1)
                self._paused_until[method] = time.monotonic() + delay
                raise _Retry(delay, "ratelimited", unsure=False) from None
            if status >= 500 or error in RETRYABLE_ERRORS:
                unsure = status != 503 and error not in ("ratelimited", "service_unavailable")
                raise _Retry(-1, f"HTTP {status} {error}", unsure=unsure) from None
            raise _Permanent(error) from None
        except (OSError, TimeoutError) as exc:
            refused = isinstance(getattr(exc, "reason", exc), ConnectionRefusedError)
            raise _Retry(-1, type(exc).__name__, unsure=not refused) from None

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
            self._finish(row, "failed", error=f"gave up after 24h: {reason}")
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
        status: str,
        *,
        response: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        mine = OutboxMessage.lock_token == self.token
        with self.db.session() as session:
            session.execute(
                update(OutboxMessage)
                # A post that went out is recorded as sent whoever holds the row now.
                .where(OutboxMessage.id == row.id, true() if status == "sent" else mine)
                .values(
                    status=status,
                    attempts=OutboxMessage.attempts + 1,
                    sent_at=utcnow() if status == "sent" else None,
                    lock_token=None,
                    locked_until=None,
                    last_error=error[:500] if error else None,
                )
                .execution_options(synchronize_session=False)
            )
            if status == "sent" and row.key and response and row.method == "chat.postMessage":
                session.merge(
                    SlackMessage(key=row.key, channel=response["channel"], ts=response["ts"])
                )
            if status == "failed" and row.key:
                _fail_dependents(session, row.key)
        if status == "sent":
            self._wake.set()


def _key(row: OutboxMessage) -> str:
    """The key a post carries in its metadata: its outbox key, or its row id."""
    return row.key or f"outbox:{row.id}"


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


__all__ = ["Dispatcher", "enqueue", "message_location", "on_enqueue", "pending_count"]
