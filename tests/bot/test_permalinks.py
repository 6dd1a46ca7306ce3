"""The one permalink watcher (bot.permalinks) and the pools the composition root owns: both
end when the app stops, and nothing waits on a listener thread."""

from __future__ import annotations

import threading
import time
from unittest.mock import Mock

import pytest
from slack_sdk import WebClient

from bot.config import Settings
from bot.db import Database
from bot.models import SlackMessage
from bot.permalinks import Permalinks
from bot.services import Handoff


def test_when_posted_returns_at_once_and_calls_back_on_the_watcher(db: Database) -> None:
    client = Mock(spec=WebClient)
    client.chat_getPermalink.return_value = {"permalink": "https://acme.slack.com/p9"}
    waiter = Permalinks(db, client, wait=5, poll=0.01)
    called_on: list[str] = []
    done = threading.Event()

    def posted(link: str | None) -> None:
        called_on.append(threading.current_thread().name)
        done.set()

    waiter.when_posted("campaign:9:announcement", posted)
    assert called_on == []  # nothing happened on the caller's thread
    with db.session() as session:
        session.add(SlackMessage(key="campaign:9:announcement", channel="CSALES", ts="1.2"))
    assert done.wait(3)
    assert called_on[0].startswith("permalink-confirm")
    waiter.stop()


def test_stop_ends_the_watcher_and_forgets_the_waiters(db: Database) -> None:
    waiter = Permalinks(db, Mock(spec=WebClient), wait=30, poll=0.01)
    results: list[str | None] = []
    waiter.when_posted("feedback:1:post", results.append)
    assert any(t.name == "permalinks" for t in threading.enumerate())
    waiter.stop()
    assert not any(t.name == "permalinks" for t in threading.enumerate())
    waiter.when_posted("feedback:2:post", results.append)  # after stop: ignored
    time.sleep(0.05)
    assert results == []


def test_handoff_stop_shuts_its_pools(settings: Settings, db: Database) -> None:
    handoff = Handoff.build(settings, db=db)
    ran = threading.Event()
    handoff.background.submit(ran.set)
    assert ran.wait(3)
    handoff.permalinks.when_posted("feedback:3:post", lambda _link: None)
    for pool in (handoff.health_checks, handoff.signature_checks, handoff.listeners):
        assert pool.submit(lambda: 1).result(3) == 1
    listener_threads = set(handoff.listeners._threads)
    handoff.stop()
    assert handoff.background._shutdown  # no new work after stop
    for pool in (handoff.health_checks, handoff.signature_checks, handoff.listeners):
        with pytest.raises(RuntimeError):
            pool.submit(lambda: 1)  # shut down: no new work after stop
    assert listener_threads and not any(t.is_alive() for t in listener_threads)
    assert not any(t.name.startswith(("healthz", "replays")) for t in threading.enumerate())
    assert not any(t.name in ("permalinks",) for t in threading.enumerate())
    assert not any(t.name.startswith("after-ack") for t in threading.enumerate())
