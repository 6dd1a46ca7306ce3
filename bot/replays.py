"""Replayed Slack requests: a verified signature is accepted once within its 5-minute window.

Seen signatures are recorded in the `slack_events` table (the one that already deduplicates
Events API retries), under a `sig:` key with a unique constraint, so a replay is refused by
whichever process it reaches, and the check is atomic across threads and processes. A small
in-process TTL cache answers same-process replays without a query and keeps the check alive
when the database is down (then it holds only per process). The database check never delays
Slack's 3-second ack: it gets `DB_WAIT` seconds (on a small pool the composition root owns,
`Handoff.signature_checks`); a slower or
failing database leaves the decision to the in-process cache, and the row is still written
when the database frees up, for the other processes. Slack signs each retry of an
Events API delivery afresh (a new timestamp, so a new signature): retries are not refused here;
`bot.deliveries.first_delivery` drops them by event_id.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from concurrent.futures import Executor
from concurrent.futures import TimeoutError as WaitTimeout
from datetime import timedelta

from bot.db import Database
from bot.deliveries import first_delivery, forget_old_signatures

log = logging.getLogger(__name__)

WINDOW = 300  # seconds: Slack's (and our) tolerance for a request's timestamp
PREFIX = "sig:"
LOCAL_LIMIT = 50_000
PRUNE_EVERY = 60.0
DB_WAIT = 0.3  # seconds
DB_BACKLOG = 200  # queued database checks beyond which only the in-process cache decides


class SeenSignatures:
    def __init__(
        self,
        db: Database | None,
        pool: Executor | None = None,
        window: float = WINDOW,
        db_wait: float = DB_WAIT,
    ) -> None:
        """`pool` runs the database checks (never on a request's own thread); it is required
        with a database and owned by the caller (`Handoff.signature_checks`)."""
        if db is not None and pool is None:
            raise ValueError("a database check needs a pool to run on")
        self.db = db
        self.pool = pool
        self.window = window
        self.db_wait = db_wait
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._pruned = time.monotonic()
        self._backlog = 0

    def first_time(self, signature: str) -> bool:
        """True the first time a (verified) signature is seen. A timestamp is accepted from
        5 minutes before now to 5 minutes after, so a signature is remembered for twice the
        window (three times in the database, which is pruned once a minute)."""
        key = PREFIX + signature.removeprefix("v0=")[:60]
        now = time.monotonic()
        oldest = now - 2 * self.window
        with self._lock:
            seen = self._seen
            while seen and (next(iter(seen.values())) < oldest or len(seen) > LOCAL_LIMIT):
                seen.popitem(last=False)
            if key in self._seen:
                return False
            self._seen[key] = now
            prune = now - self._pruned >= PRUNE_EVERY
            if prune:
                self._pruned = now
            if self.db is None or self.pool is None or self._backlog >= DB_BACKLOG:
                return True
            self._backlog += 1
        future = self.pool.submit(self._record, key, prune)
        try:
            return future.result(timeout=self.db_wait)
        except WaitTimeout:
            log.info("the database is slow: a Slack signature was checked in this process only")
            return True

    def _record(self, key: str, prune: bool) -> bool:
        assert self.db is not None
        try:
            if prune:
                forget_old_signatures(self.db, PREFIX, timedelta(seconds=3 * self.window))
            return first_delivery(self.db, key)
        except Exception as exc:  # the database is down: the in-process check still holds
            log.warning("could not record a Slack signature: %s", type(exc).__name__)
            return True
        finally:
            with self._lock:
                self._backlog -= 1
