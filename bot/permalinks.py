"""Waiting for a queued message's permalink, to confirm to whoever caused it (a rep's
feedback post, a marketer's campaign announcement).

Messages go out through the outbox, so a permalink exists only once the dispatcher has posted
the message (usually well under a second). `Permalinks` waits for that on one background
thread for everyone at once, never on Bolt's listener threads: a burst of requests, or a slow
Slack, must never leave the listeners busy waiting while other requests need their ack. Each
waiter gives up after `wait` seconds (then `done(None)`: "it will appear shortly"). The one
instance belongs to the composition root (`bot.services.Handoff`), which stops it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlencode

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.db import Database
from bot.models import SlackMessage

log = logging.getLogger(__name__)


def message_url(channel: str, ts: str) -> str:
    """A link that opens a posted message for whoever can see its conversation (app_redirect
    needs no workspace domain and no API call; `message_ts` points at the message)."""
    return "https://slack.com/app_redirect?" + urlencode({"channel": channel, "message_ts": ts})


Done = Callable[[str | None], None]


@dataclass(frozen=True)
class _Waiting:
    key: str
    deadline: float
    done: Done


class Permalinks:
    """Calls `done(permalink)` once the message posted under an outbox key exists, or
    `done(None)` if it has not been posted within `wait` seconds."""

    def __init__(
        self,
        db: Database,
        client: WebClient,
        *,
        wait: float = 3.0,
        poll: float = 0.05,
        workers: int = 4,
    ) -> None:
        self.db, self.client, self.wait, self.poll = db, client, wait, poll
        self._pending: list[_Waiting] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._workers = ThreadPoolExecutor(workers, thread_name_prefix="permalink-confirm")
        self._stopped = False

    def when_posted(self, key: str, done: Done) -> None:
        """Call `done` with the permalink of the message queued under outbox `key`."""
        with self._lock:
            if self._stopped:
                return
            self._pending.append(_Waiting(key, time.monotonic() + self.wait, done))
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="permalinks", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        """Forget the waiters, let the watcher end, and finish the confirmations under way."""
        with self._lock:
            self._stopped = True
            self._pending.clear()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=5)
        self._workers.shutdown(wait=True, cancel_futures=True)

    def _watch(self) -> None:
        while True:
            with self._lock:
                waiting = list(self._pending)
                if not waiting or self._stopped:
                    self._thread = None
                    return
            posted = self._posted({w.key for w in waiting})
            now = time.monotonic()
            finished = [w for w in waiting if w.key in posted or now >= w.deadline]
            with self._lock:
                for item in finished:
                    self._pending.remove(item)
            for item in finished:
                with self._lock:
                    if self._stopped:
                        break
                    self._workers.submit(self._finish, item, posted.get(item.key))
            time.sleep(self.poll)

    def _posted(self, keys: set[str]) -> dict[str, tuple[str, str]]:
        try:
            with self.db.session() as session:
                rows = session.execute(
                    select(SlackMessage.key, SlackMessage.channel, SlackMessage.ts).where(
                        SlackMessage.key.in_(keys)
                    )
                ).all()
        except Exception as exc:  # the database is down: the waiters time out politely
            log.warning("could not look up posted messages: %s", type(exc).__name__)
            return {}
        return {key: (channel, ts) for key, channel, ts in rows}

    def _finish(self, item: _Waiting, location: tuple[str, str] | None) -> None:
        link = self.permalink(*location) if location else None
        try:
            item.done(link)
        except Exception as exc:  # an expired response_url: the post itself went out
            log.warning("could not confirm a posted message: %s", type(exc).__name__)

    def permalink(self, channel: str, ts: str) -> str | None:
        try:
            return self.client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
        except SlackApiError as exc:
            log.warning("chat.getPermalink failed: %s", exc.response.get("error"))
        except OSError as exc:
            log.warning("chat.getPermalink failed: %s", type(exc).__name__)
        return None
