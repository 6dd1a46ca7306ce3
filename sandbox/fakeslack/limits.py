"""Slack's published rate limits, enforced by the fake Slack when a test or bench asks for it
(`FakeSlack.enforce_rate_limits()`; off by default, so other tests are unaffected).

- Web API tiers, per method and workspace: Tier 1 about 1 call a minute, Tier 2 20, Tier 3 50,
  Tier 4 100, with short bursts allowed (a bucket holding a tenth of a minute's calls, at
  least 2).
- `chat.postMessage` (and `chat.postEphemeral`): about one message a second per channel, with
  short bursts (a bucket of 3).
Over a limit: HTTP 429 with `Retry-After` (whole seconds), as Slack answers.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from sandbox.fakeslack.faults import failure_reply
from sandbox.fakeslack.models import JsonDict, Reply
from sandbox.fakeslack.workspace import USER_ID, dm_id

PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
TIERS = {
    "auth.test": 4,
    "chat.delete": 3,
    "chat.getPermalink": 4,
    "chat.update": 3,
    "conversations.history": 3,
    "conversations.info": 3,
    "conversations.open": 3,
    "users.info": 4,
    "users.lookupByEmail": 3,
    "views.open": 4,
    "views.publish": 4,
    "views.update": 4,
    "files.getUploadURLExternal": 4,
    "files.completeUploadExternal": 4,
}
POSTS = {"chat.postMessage", "chat.postEphemeral"}
POSTS_PER_SECOND = 1.0
POST_BURST = 3.0


class _Bucket:
    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate, self.capacity = rate, capacity
        self.tokens, self.then = capacity, now

    def take(self, now: float) -> float:
        """0 if a call may go now (and counts it), else the seconds until one may."""
        self.tokens = min(self.capacity, self.tokens + (now - self.then) * self.rate)
        self.then = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class RateLimits:
    """Token buckets per method (tiers) and per channel (posts); `check` answers a 429 reply
    for a call over its limit, else None. Counts every 429 it answered in `refused`."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}
        self.refused: dict[str, int] = {}

    def _bucket(self, name: str, rate: float, capacity: float, now: float) -> _Bucket:
        if name not in self._buckets:
            self._buckets[name] = _Bucket(rate, capacity, now)
        return self._buckets[name]

    def check(self, method: str, args: JsonDict) -> Reply | None:
        now = self._clock()
        with self._lock:
            if method in POSTS:
                channel = str(args.get("channel") or "")
                channel = dm_id(channel) if USER_ID.match(channel) else channel
                bucket = self._bucket(f"post:{channel}", POSTS_PER_SECOND, POST_BURST, now)
            elif method in TIERS:
                per_minute = PER_MINUTE[TIERS[method]]
                capacity = max(2.0, per_minute / 10)
                bucket = self._bucket(method, per_minute / 60, capacity, now)
            else:
                return None
            wait = bucket.take(now)
            if wait <= 0:
                return None
            self.refused[method] = self.refused.get(method, 0) + 1
        return failure_reply(429, str(max(1, math.ceil(wait))))
