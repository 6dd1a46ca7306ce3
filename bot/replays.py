"""Replayed Slack requests: a verified signature is accepted once within its 5-minute window.

Seen signatures are recorded in the `slack_events` table (the one that already deduplicates
Events API retries), under a `sig:` key with a unique constraint, so a replay is refused by
whichever process it reaches, and the check is atomic across threads and processes. A small
in-process TTL cache answers same-process replays without a query and keeps the check alive
when the database is down (then it holds only per process). Slack signs each retry of an
Events API delivery afresh (a new timestamp, so a new signature): retries are not refused here;
`bot.deliveries.first_delivery` drops them by event_id.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from datetime import timedelta

from bot.db import Database
from bot.deliveries import first_delivery, forget_old_signatures

log = logging.getLogger(__name__)

WINDOW = 300  # seconds: Slack's (and our) tolerance for a request's timestamp
PREFIX = "sig:"
LOCAL_LIMIT = 50_000
PRUNE_EVERY = 60.0


class SeenSignatures:
    def __init__(self, db: Database | None, window: float = WINDOW) -> None:
        self.db = db
        self.window = window
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._pruned = time.monotonic()

    def first_time(self, signature: str) -> bool:
        """True the first time a (verified) signature is seen within the window."""
        key = PREFIX + signature.removeprefix("v0=")[:60]
        now = time.monotonic()
        with self._lock:
            while self._seen and (
                next(iter(self._seen.values())) < now - self.window or len(self._seen) > LOCAL_LIMIT
            ):
                self._seen.popitem(last=False)
            if key in self._seen:
                return False
            self._seen[key] = now
            prune = now - self._pruned >= PRUNE_EVERY
            if prune:
                self._pruned = now
        if self.db is None:
            return True
        try:
            if prune:
                forget_old_signatures(self.db, PREFIX, timedelta(seconds=2 * self.window))
            return first_delivery(self.db, key)
        except Exception as exc:  # the database is down: the in-process check still holds
            log.warning("could not record a Slack signature: %s", type(exc).__name__)
            return True
