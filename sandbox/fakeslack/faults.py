"""Failure injection: rate limits (429 + Retry-After), server errors (5xx) and slow answers."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from sandbox.fakeslack.models import Reply

_JSON_ERRORS = {500: "internal_error", 503: "service_unavailable"}
_EDGE_PAGES = {
    502: "<html><body><h1>502 Bad Gateway</h1></body></html>",
    504: "<html><body><h1>504 Gateway Time-out</h1></body></html>",
}


@dataclass
class _Rule:
    status: int
    method: str | None
    retry_after: float | None
    remaining: int | None = None
    until: float | None = None

    def active(self, now: float) -> bool:
        if self.remaining is not None:
            return self.remaining > 0
        return self.until is not None and now < self.until

    def matches(self, method: str, now: float) -> bool:
        return self.active(now) and self.method in (None, method)

    def retry_after_header(self, now: float) -> str | None:
        seconds = self.retry_after
        if seconds is None and self.status == 429:
            seconds = max(1.0, (self.until or now) - now)
        return None if seconds is None else str(math.ceil(seconds))


def failure_reply(status: int, retry_after: str | None = None) -> Reply:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    if status == 429:
        return Reply(429, {"ok": False, "error": "ratelimited"}, headers)
    if status in _EDGE_PAGES:
        return Reply(status, _EDGE_PAGES[status], headers | {"content-type": "text/html"})
    return Reply(status, {"ok": False, "error": _JSON_ERRORS.get(status, "fatal_error")}, headers)


@dataclass
class _Delay:
    seconds: float
    method: str | None
    remaining: int


class FaultPlan:
    """Which upcoming calls fail or answer late, and how. Rules are consulted in the order they
    were added."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[_Rule] = []
        self._delays: list[_Delay] = []

    def delay_next(self, method: str | None = None, seconds: float = 5.0, count: int = 1) -> None:
        """The next `count` calls (to `method`, or to anything) take effect at once, but their
        answer comes `seconds` late: a caller that dies or times out meanwhile never learns
        that Slack accepted the call."""
        if seconds < 0 or count < 1:
            raise ValueError("a delay needs seconds >= 0 and count >= 1")
        with self._lock:
            self._delays.append(_Delay(seconds, method, count))

    def take_delay(self, method: str) -> float:
        """How late this call's answer comes (using up one of a `delay_next` count), or 0."""
        with self._lock:
            delay = next((d for d in self._delays if d.method in (None, method)), None)
            if delay is None:
                return 0.0
            delay.remaining -= 1
            if delay.remaining <= 0:
                self._delays.remove(delay)
            return delay.seconds

    def fail_next(
        self,
        method: str | None = None,
        status: int = 503,
        count: int = 1,
        retry_after: float | None = None,
    ) -> None:
        _check_status(status)
        with self._lock:
            self._rules.append(_Rule(status, method, retry_after, remaining=count))

    def fail_for(
        self,
        seconds: float,
        status: int = 503,
        retry_after: float | None = None,
        method: str | None = None,
    ) -> None:
        _check_status(status)
        until = time.monotonic() + seconds
        with self._lock:
            self._rules.append(_Rule(status, method, retry_after, until=until))

    def heal(self) -> None:
        with self._lock:
            self._rules.clear()
            self._delays.clear()

    def take(self, method: str) -> Reply | None:
        """The failure this call gets (using up one of a `fail_next` count), or None."""
        now = time.monotonic()
        with self._lock:
            self._rules = [rule for rule in self._rules if rule.active(now)]
            rule = next((rule for rule in self._rules if rule.matches(method, now)), None)
            if rule is None:
                return None
            if rule.remaining is not None:
                rule.remaining -= 1
            return failure_reply(rule.status, rule.retry_after_header(now))


def _check_status(status: int) -> None:
    if status != 429 and not 500 <= status <= 599:
        raise ValueError(f"can only inject 429 or 5xx failures, not {status}")
