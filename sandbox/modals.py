"""Which modals each person has open in the sandbox, as a stack per person.

Slack knows whose modal a `views.open` is by its trigger_id; so does the sandbox: it mints
every trigger_id it sends to the app and remembers whose it was.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sandbox.fakeslack import FakeSlack
from sandbox.fakeslack.models import JsonDict

log = logging.getLogger(__name__)

TRIGGER_LIFETIME = 3.0  # seconds, as Slack's


class Modals:
    def __init__(self, fake: FakeSlack, changed: Callable[[], None]) -> None:
        self._fake = fake
        self._changed = changed
        self._lock = threading.Lock()
        self._triggers: dict[str, tuple[str, float]] = {}
        self._stacks: dict[str, list[str]] = {}
        fake.subscribe(self._on_change)

    def issued(self, trigger_id: str, user_id: str) -> None:
        """Remember that `trigger_id` was sent to the app for `user_id`'s gesture."""
        with self._lock:
            now = time.monotonic()
            self._triggers = {t: (u, at) for t, (u, at) in self._triggers.items() if now - at < 60}
            self._triggers[trigger_id] = (user_id, now)

    def _on_change(self, event: JsonDict) -> None:
        if event["type"] not in ("view_opened", "view_pushed"):
            return
        view = event["view"]
        with self._lock:
            user, at = self._triggers.pop(view.get("trigger_id") or "", (None, 0.0))
            if user is None:
                log.warning("views.open used a trigger_id the sandbox never issued (or reused)")
                return
            if time.monotonic() - at > TRIGGER_LIFETIME:
                late = time.monotonic() - at
                log.warning("views.open came %.1f s after the click; Slack allows 3 s", late)
            stack = self._stacks.setdefault(user, [])
            if event["type"] == "view_opened":
                stack.clear()
            stack.append(view["id"])

    def top(self, user_id: str) -> JsonDict | None:
        """The modal `user_id` sees (the top of their stack), as Slack describes it."""
        with self._lock:
            stack = list(self._stacks.get(user_id, []))
        while stack:
            view = self._fake.views.get(stack[-1])
            if view is not None:
                return view.to_slack()
            stack.pop()
        return None

    def owns(self, user_id: str, view_id: str) -> bool:
        with self._lock:
            return view_id in self._stacks.get(user_id, [])

    def close(self, user_id: str, view_id: str, *, everything: bool = False) -> None:
        with self._lock:
            stack = self._stacks.get(user_id, [])
            if everything:
                stack.clear()
            elif view_id in stack:
                del stack[stack.index(view_id) :]
        self._changed()
