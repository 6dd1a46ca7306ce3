"""The record of every call the fake answered, and a way to wait for calls to arrive."""

from __future__ import annotations

import copy
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

JsonDict = dict[str, Any]
Predicate = Callable[[JsonDict], bool]


class CallLog:
    """`calls_to` and `wait_for` count only calls answered with HTTP 200 unless given another
    `status` (None: any) -- a call failed by injection had no effect."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._calls: list[JsonDict] = []

    @property
    def calls(self) -> list[JsonDict]:
        with self._changed:
            return list(self._calls)

    def record(self, method: str, args: JsonDict, status: int, token: str | None = None) -> None:
        call = {
            "method": method,
            "args": copy.deepcopy(args),
            "at": time.time(),
            "status": status,
            "token": token,
        }
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()

    def reset(self) -> None:
        with self._changed:
            self._calls.clear()

    def calls_to(self, method: str, *, status: int | None = 200) -> list[JsonDict]:
        with self._changed:
            return self._matching(method, None, status)

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,
        predicate: Predicate | None = None,
        *,
        status: int | None = 200,
    ) -> list[JsonDict]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(found := self._matching(method, predicate, status)) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        self._timeout_message(method, count, timeout, predicate, status, found)
                    )
                self._changed.wait(remaining)
            return found

    def _matching(
        self, method: str, predicate: Predicate | None, status: int | None
    ) -> list[JsonDict]:
        return [
            call["args"]
            for call in self._calls
            if call["method"] == method
            and (status is None or call["status"] == status)
            and (predicate is None or predicate(call["args"]))
        ]

    def _timeout_message(
        self,
        method: str,
        count: int,
        timeout: float,
        predicate: Predicate | None,
        status: int | None,
        found: list[JsonDict],
    ) -> str:
        answered = "" if status is None else f" answered with HTTP {status}"
        matching = "" if predicate is None else " matching the predicate"
        wanted = f"{count} call(s) to {method}{answered}{matching}"
        return (
            f"timed out after {timeout:g}s waiting for {wanted}; got {len(found)}.\n"
            f"Recorded calls: {self._summary()}"
        )

    def _summary(self) -> str:
        if not self._calls:
            return "none"
        tally = Counter(
            f"{call['method']}" + ("" if call["status"] == 200 else f" (HTTP {call['status']})")
            for call in self._calls
        )
        return ", ".join(f"{name} x{times}" for name, times in tally.items())
