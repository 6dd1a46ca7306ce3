"""Pacing by Slack's rate-limit tiers: one token bucket per Web API method, so a burst of
work (a webinar's alerts, a fold updated again and again) is spread below Slack's published
limits instead of running into 429s.

Slack's Web API limits are per method and workspace: Tier 1 about 1 call a minute, Tier 2 20,
Tier 3 50, Tier 4 100, each allowing short bursts. A process keeps to `SHARE` of its method's
tier with a burst of `BURST`; posts are paced per channel elsewhere (`Dispatcher`, about one a
second per channel). Several processes sharing one workspace each keep to this share, so two
of them could together go over a tier: run one dispatcher per workspace for heavy bursts.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
METHOD_TIER = {
    "chat.update": 3,
    "chat.delete": 3,
    "chat.getPermalink": 4,
    "conversations.history": 3,
    "conversations.open": 3,
    "users.info": 4,
    "users.lookupByEmail": 3,
    "views.publish": 4,
}
SHARE = 0.9
BURST = 5.0


class Pacer:
    """`delay(method)`: 0 and a call is allowed now (and counted), or the seconds to wait."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[float, float]] = {}  # method: (tokens, when)

    @staticmethod
    def rate(method: str) -> float | None:
        """Calls per second this process allows itself; None for a method not paced here."""
        tier = METHOD_TIER.get(method)
        return None if tier is None else PER_MINUTE[tier] * SHARE / 60

    def delay(self, method: str) -> float:
        rate = self.rate(method)
        if rate is None:
            return 0.0
        now = self._clock()
        with self._lock:
            tokens, then = self._tokens.get(method, (BURST, now))
            tokens = min(BURST, tokens + (now - then) * rate)
            if tokens >= 1:
                self._tokens[method] = (tokens - 1, now)
                return 0.0
            self._tokens[method] = (tokens, now)
            return (1 - tokens) / rate
