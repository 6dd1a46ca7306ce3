"""Two real `python app.py` processes share one PostgreSQL outbox whose lease (5 s) is shorter
than the time a channel's backlog takes to drain: every post goes out exactly once, and when
the process that is sending dies, the other takes over and finishes without repeats."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from sqlalchemy import select

from bot.db import Database
from bot.models import OutboxMessage
from bot.outbox import enqueue
from tests.support.app_process import AppProcess, app_env
from tests.support.databases import postgres_database
from tests.support.fake_slack_server import FakeSlackServer

BACKLOG = 300
CHANNEL = "CMARKETING"
# 300 posts at 0.05 s each take 15 s to drain: longer than the 5 s lease.
SETTINGS = {"CHANNEL_POST_INTERVAL": "0.05s", "OUTBOX_LEASE": "5s"}


@contextmanager
def backlog_setup() -> Iterator[tuple[str, FakeSlackServer]]:
    with postgres_database() as url, FakeSlackServer() as slack:
        slack.fake.add_channel("CSALES", "sales")
        slack.fake.add_channel(CHANNEL, "marketing")
        db = Database(url)
        db.upgrade()
        db.dispose()
        yield url, slack


def queue_backlog(url: str) -> None:
    db = Database(url)
    try:
        with db.session() as session:
            for n in range(BACKLOG):
                enqueue(session, "chat.postMessage", channel=CHANNEL, text=f"post {n:03d}")
    finally:
        db.dispose()


def posted(slack: FakeSlackServer) -> Counter[str]:
    return Counter(m.text for m in slack.fake.messages_in(CHANNEL))


def wait_for_posts(slack: FakeSlackServer, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while len(posted(slack)) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"wanted {count} distinct posts, got {len(posted(slack))}")
        time.sleep(0.05)


def pending_rows(url: str) -> list[int]:
    db = Database(url)
    try:
        with db.session() as session:
            return list(
                session.scalars(select(OutboxMessage.id).where(OutboxMessage.status != "sent"))
            )
    finally:
        db.dispose()


def assert_each_post_once(slack: FakeSlackServer) -> None:
    counts = posted(slack)
    repeated = {text: n for text, n in counts.items() if n > 1}
    assert not repeated, f"{sum(repeated.values()) - len(repeated)} duplicates: {repeated}"
    assert sorted(counts) == [f"post {n:03d}" for n in range(BACKLOG)]


def test_two_processes_drain_a_long_backlog_each_post_once(tmp_path: Path) -> None:
    with backlog_setup() as (url, slack), ExitStack() as stack:
        env = app_env(slack.url, url, **SETTINGS)
        stack.enter_context(AppProcess(env, tmp_path))
        stack.enter_context(AppProcess(env, tmp_path))
        queue_backlog(url)
        wait_for_posts(slack, BACKLOG, timeout=90)
        time.sleep(6)  # past one more lease: a late second copy would show up now
        assert_each_post_once(slack)
        assert pending_rows(url) == []


def test_when_the_sender_is_killed_the_other_finishes_the_backlog_once(tmp_path: Path) -> None:
    with backlog_setup() as (url, slack), ExitStack() as stack:
        # 300 posts at 0.03 s still outlast the 5 s lease (9 s), and what is left after the
        # kill fits into the 15 s the survivor has: up to one lease and a poll to take over.
        env = app_env(slack.url, url, **SETTINGS | {"CHANNEL_POST_INTERVAL": "0.03s"})
        sender = stack.enter_context(AppProcess(env, tmp_path))
        queue_backlog(url)
        wait_for_posts(slack, 10, timeout=30)  # the first process is draining the channel
        survivor = stack.enter_context(AppProcess(env, tmp_path))
        wait_for_posts(slack, max(len(posted(slack)) + 10, BACKLOG // 2), timeout=30)
        sender.kill()  # SIGKILL mid-backlog, probably during a chat.postMessage
        assert len(posted(slack)) < BACKLOG, "the backlog was drained before the kill"
        wait_for_posts(slack, BACKLOG, timeout=15)
        time.sleep(6)
        assert_each_post_once(slack)
        assert pending_rows(url) == []
        assert "Traceback" not in survivor.output()
