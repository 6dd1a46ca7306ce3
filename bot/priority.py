"""People waiting come first: background work gives way while a Slack request awaits its ack.

Slack shows the user an error when its request is not answered within 3 seconds, and a
person is watching the spinner meanwhile. In one Python process every thread shares the
interpreter, so a listener's work after its ack, an outbox send or a lead batch taking its
turn stretches the acks of the requests that arrived with it (bench/ack_tails.py; py-spy
showed the acks of one round of slash commands sharing the interpreter with the previous
round's work after *its* acks).

- The web front counts the requests it has verified and not yet answered (`waiting()`).
- A thread working towards an ack says so (`urgent()`, until `ack()` is called): it never
  gives way, whatever it calls.
- A thread that works only for requests still waiting (the replay check's) is urgent for
  good (`always_urgent()`), and a thread running an event loop never gives way: it is what
  answers the requests.
- Any other thread gives way at safe points: `give_way()` before a unit of work (the
  database's outermost session, an outbox send, a lead batch) and, on PostgreSQL, before
  each statement (`Database.between_statements`; see there why not on SQLite) sleeps until
  no ack is pending, for at most `limit` seconds. A thread whose wait ran the full `limit`
  runs on for `run_on` seconds before it gives way again, so under a steady stream of Slack
  requests background work still gets about half its time: it is delayed, never starved.
  A lock such a thread holds is held that much longer, for at most `limit` at a time.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

GIVE_WAY_LIMIT = 0.05  # seconds: the longest a background step waits for pending acks
RUN_ON = 0.05  # seconds a thread that has given way runs on before it gives way again


class Priority:
    def __init__(self, limit: float = GIVE_WAY_LIMIT, run_on: float = RUN_ON) -> None:
        self.limit = limit
        self.run_on = run_on
        self._pending = 0
        self._idle = threading.Condition(threading.Lock())
        self._local = threading.local()

    @property
    def pending(self) -> int:
        """Requests verified and not yet answered."""
        return self._pending

    @contextmanager
    def waiting(self) -> Iterator[None]:
        """Around a request someone waits on, from its verification to its answer."""
        with self._idle:
            self._pending += 1
        try:
            yield
        finally:
            with self._idle:
                self._pending -= 1
                if self._pending == 0:
                    self._idle.notify_all()

    @contextmanager
    def urgent(self) -> Iterator[None]:
        """This thread works towards an ack until the block ends or `not_urgent()`."""
        previous = getattr(self._local, "urgent", False)
        self._local.urgent = True
        try:
            yield
        finally:
            self._local.urgent = previous

    def always_urgent(self) -> None:
        """This thread works for waiting requests only (a pool's initializer): it never gives
        way."""
        self._local.urgent = True

    def not_urgent(self) -> None:
        """The ack is out: what this thread does next can wait."""
        self._local.urgent = False

    def give_way(self) -> None:
        """Return once no request awaits its answer, or after `limit` seconds; at once on an
        urgent thread, or on one whose last wait ran out less than `run_on` seconds ago."""
        if self._pending == 0 or getattr(self._local, "urgent", False):
            return  # a racy read of the count is fine: this is a courtesy, not a lock
        if _in_event_loop():
            return
        if time.monotonic() - getattr(self._local, "gave_way", float("-inf")) < self.run_on:
            return
        with self._idle:
            answered = self._idle.wait_for(lambda: self._pending == 0, timeout=self.limit)
        if not answered:  # Slack requests kept coming: run on a while before waiting again
            self._local.gave_way = time.monotonic()


def _in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
