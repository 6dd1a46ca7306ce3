"""Replayed Slack requests: a verified signature is accepted once within its 5-minute window.

Seen signatures are recorded in the `slack_events` table (the one that already deduplicates
Events API retries), under a `sig:` key with a unique constraint, so a replay is refused by
whichever process it reaches. A small in-process TTL cache answers same-process replays without
a query (atomically across this process's threads) and keeps the check alive when the database
is down (then it holds only per process).

The ack waits only for a *read*: is the signature already recorded (by another process)? The
record itself is written in the background (`writes`, one thread, a batch per transaction).
On SQLite a write queues behind every other writer (lead intake, the outbox), and the profile
in bench/profile_ack.py showed acks waiting the full `DB_WAIT` for it under load; a read never
waits for a writer (WAL). The price: a replay that reaches another process in the instant
between the original's acceptance and its record landing (milliseconds) is not refused there.
The read gets `DB_WAIT` seconds; a slower or failing database leaves the decision to the
in-process cache. Reads off the request's thread are coalesced: while one query is on its way,
the signatures that arrive meanwhile wait for the next, which asks for all of them at once.
Twenty requests released together cost two or three queries, not twenty round trips and
twenty server wake-ups on a machine the server shares (bench/ack_tails.py: PostgreSQL's idle
`/feedback` ack p99 went from about 2x to about 1.5x the bare app's). Where the read runs:
- `first_time` (a request's thread): on SQLite a read of a local file on that thread; on
  PostgreSQL on the small pool the composition root owns (`Handoff.signature_checks`);
- `first_time_async` (the event loop, for the commands it answers itself, `handlers.http`):
  on PostgreSQL on a connection of the loop's own (`LoopReads`), so no thread is woken; on
  SQLite on that same pool.
Slack signs each retry of an Events API delivery afresh (a new timestamp, so
a new signature): retries are not refused here; `bot.deliveries.first_delivery` drops them by
event_id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import OrderedDict
from concurrent.futures import Executor, Future
from concurrent.futures import TimeoutError as WaitTimeout
from datetime import timedelta
from typing import Any

import psycopg
from sqlalchemy import bindparam, select

from bot.db import Database
from bot.deliveries import forget_old_signatures, record_signatures
from bot.models import SlackEvent

log = logging.getLogger(__name__)

WINDOW = 300  # seconds: Slack's (and our) tolerance for a request's timestamp
PREFIX = "sig:"
LOCAL_LIMIT = 50_000
PRUNE_EVERY = 60.0
DB_WAIT = 0.3  # seconds
DB_BACKLOG = 200  # queued database checks beyond which only the in-process cache decides
SEEN_ANY = select(SlackEvent.event_id).where(
    SlackEvent.event_id.in_(bindparam("keys", expanding=True))
)
# The same read for psycopg itself (the event loop's connection, `LoopReads`).
SEEN_ANY_SQL = "SELECT event_id FROM slack_events WHERE event_id = ANY(%s)"
QUERY_LIMIT = 5.0  # seconds: a read still unanswered then is given up, its connection closed


class SeenSignatures:
    def __init__(
        self,
        db: Database | None,
        pool: Executor | None = None,
        window: float = WINDOW,
        db_wait: float = DB_WAIT,
        writes: Executor | None = None,
    ) -> None:
        """`pool` runs the database reads (never on a request's own thread) and `writes` the
        records (default: `pool`); they are required with a database and owned by the caller
        (`Handoff.signature_checks`, `Handoff.signature_records`)."""
        if db is not None and pool is None:
            raise ValueError("a database check needs a pool to run on")
        self.db = db
        self.pool = pool
        self.writes = writes or pool
        self._pending: list[str] = []  # records not yet written, in one batch
        self.window = window
        self.db_wait = db_wait
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._pruned = time.monotonic()
        self._backlog = 0
        self._asked: dict[str, Future[bool]] = {}  # reads waiting for the next query
        self._loop_reads = LoopReads(db) if db is not None and db.is_postgres else None
        self._asking = False  # a query is on its way (one at a time, on `pool`)

    def first_time(self, signature: str) -> bool:
        """True the first time a (verified) signature is seen. A timestamp is accepted from
        5 minutes before now to 5 minutes after, so a signature is remembered for twice the
        window (three times in the database, which is pruned once a minute)."""
        key, known, prune = self._seen_here(signature)
        if known is not None:
            return known
        # Read first, record after: the record must not be mistaken for another process's.
        if not self.db_is_postgres:  # a read of a local file that no writer can hold up (WAL)
            first = key not in self._found([key])
        else:
            future = self._ask(key)
            try:
                first = not future.result(timeout=self.db_wait)
            except WaitTimeout:
                log.info("the database is slow: a signature was checked in this process only")
                first = True
        self._record(key, prune)
        return first

    async def first_time_async(self, signature: str) -> bool:
        """`first_time` for an event loop: it awaits the read instead of blocking a thread."""
        key, known, prune = self._seen_here(signature)
        if known is not None:
            return known
        if self._loop_reads is not None:  # on the loop's own connection: no thread to wake
            asked: asyncio.Future[bool] = asyncio.shield(self._loop_reads.ask(key))
        else:
            asked = asyncio.wrap_future(self._ask(key))
        try:
            recorded = await asyncio.wait_for(asked, self.db_wait)
        except TimeoutError:
            log.info("the database is slow: a signature was checked in this process only")
            recorded = False
        self._record(key, prune)
        return not recorded

    @property
    def db_is_postgres(self) -> bool:
        return self.db is not None and self.db.is_postgres

    def _seen_here(self, signature: str) -> tuple[str, bool | None, bool]:
        """The signature's key; whether it is a first time if this process alone decides (None:
        the database is asked); and whether the database's old records are due a pruning."""
        key = PREFIX + signature.removeprefix("v0=")[:60]
        now = time.monotonic()
        oldest = now - 2 * self.window
        with self._lock:
            seen = self._seen
            while seen and (next(iter(seen.values())) < oldest or len(seen) > LOCAL_LIMIT):
                seen.popitem(last=False)
            if key in self._seen:
                return key, False, False
            self._seen[key] = now
            prune = now - self._pruned >= PRUNE_EVERY
            if prune:
                self._pruned = now
            if self.db is None or self.pool is None or self._backlog >= DB_BACKLOG:
                return key, True, prune
            self._backlog += 1
        return key, None, prune

    def _record(self, key: str, prune: bool) -> None:
        """Queue the signature's record (written in the background, a batch at a time)."""
        with self._lock:
            self._pending.append(key)
            write_now = len(self._pending) == 1  # else a write is already on its way
        if write_now and self.writes is not None:
            self.writes.submit(self._write, prune)

    def _ask(self, key: str) -> Future[bool]:
        """Whether `key` is recorded, answered by the next coalesced query."""
        assert self.pool is not None
        future: Future[bool] = Future()
        future.set_running_or_notify_cancel()  # an awaiting caller's timeout cannot cancel it
        with self._lock:
            self._asked[key] = future
            start = not self._asking
            self._asking = True
        if start:
            try:
                self.pool.submit(self._answer)
            except RuntimeError:  # shutting down: the in-process check decides
                with self._lock:
                    asked, self._asked, self._asking = self._asked, {}, False
                for waiting in asked.values():
                    waiting.set_result(False)
        return future

    def _answer(self) -> None:
        """Query for every signature asked so far, until none is left waiting."""
        assert self.db is not None
        while True:
            with self._lock:
                asked, self._asked = self._asked, {}
                if not asked:
                    self._asking = False
                    return
            found = self._found(list(asked))
            for key, future in asked.items():
                future.set_result(key in found)

    def _found(self, keys: list[str]) -> set[str]:
        """Which of `keys` another process has recorded (a read; it never waits for a writer).
        None of them, as far as this process knows, when the database is down."""
        assert self.db is not None
        try:
            with self.db.read_connection() as connection:
                return set(connection.scalars(SEEN_ANY, {"keys": keys}))
        except Exception as exc:  # the database is down: the in-process check still holds
            log.warning("could not look up Slack signatures: %s", type(exc).__name__)
            return set()

    def _write(self, prune: bool) -> None:
        """Record every pending signature in one transaction (a duplicate is skipped)."""
        assert self.db is not None
        with self._lock:
            keys, self._pending = self._pending, []
        try:
            if prune:
                forget_old_signatures(self.db, PREFIX, timedelta(seconds=3 * self.window))
            record_signatures(self.db, keys)
        except Exception as exc:  # the database is down: the in-process check still holds
            log.warning("could not record Slack signatures: %s", type(exc).__name__)
        finally:
            with self._lock:
                self._backlog -= len(keys)


class LoopReads:
    """The event loop's replay reads on PostgreSQL, coalesced like the threads' (`_answer`),
    on a connection of the loop's own (`Database.connect_async`): a burst's checks cost the
    loop one query's round trip and no thread's wake-up, as a bare async app's would."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connection: psycopg.AsyncConnection[Any] | None = None
        self._asked: dict[str, asyncio.Future[bool]] = {}
        self._answering: asyncio.Task[None] | None = None

    def ask(self, key: str) -> asyncio.Future[bool]:
        """Whether `key` is recorded, answered by the next query (one at a time)."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new loop (a restarted server): start afresh on it
            self._loop, self._connection, self._asked, self._answering = loop, None, {}, None
        future = self._asked.get(key) or loop.create_future()
        self._asked[key] = future
        if self._answering is None:
            self._answering = loop.create_task(self._answer())
        return future

    async def _answer(self) -> None:
        try:
            while self._asked:
                asked, self._asked = self._asked, {}
                try:
                    found = await asyncio.wait_for(self._found(list(asked)), QUERY_LIMIT)
                except Exception as exc:  # down or slow: the in-process check still holds
                    log.warning("could not look up Slack signatures: %s", type(exc).__name__)
                    found = set()
                    await self._close()
                for key, future in asked.items():
                    if not future.done():
                        future.set_result(key in found)
        finally:
            self._answering = None

    async def _found(self, keys: list[str]) -> set[str]:
        if self._connection is None or self._connection.closed:
            self._connection = await self.db.connect_async()
        cursor = await self._connection.execute(SEEN_ANY_SQL, (keys,))
        return {row[0] for row in await cursor.fetchall()}

    async def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()
