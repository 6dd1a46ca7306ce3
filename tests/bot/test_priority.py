"""`bot.priority`: background work gives way while a Slack request awaits its ack.

No timed assertions: the waits under test are made long (a minute), so a thread that returns
early did not wait, and one still waiting is released by the event the test controls."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from sqlalchemy import text

from bot.config import Settings
from bot.db import Database
from bot.priority import Priority
from bot.services import Handoff

LONG = 60.0  # seconds: longer than any test; a wait this long would fail the test by timeout


def in_thread(work: Callable[[], None]) -> tuple[threading.Thread, threading.Event]:
    done = threading.Event()

    def run() -> None:
        work()
        done.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, done


def test_nothing_waits_when_no_request_awaits_its_answer() -> None:
    priority = Priority(limit=LONG)
    _, done = in_thread(priority.give_way)
    assert done.wait(10)


def test_background_work_waits_until_the_pending_requests_are_answered() -> None:
    priority = Priority(limit=LONG)
    with priority.waiting():
        with priority.waiting():
            _, done = in_thread(priority.give_way)
        assert priority.pending == 1
        assert not done.wait(0.2)  # still one request awaiting its answer
    assert done.wait(10)
    assert priority.pending == 0


def test_a_thread_working_towards_an_ack_never_waits_until_its_ack_is_out() -> None:
    priority = Priority(limit=LONG)
    reached_ack = threading.Event()
    release = threading.Event()

    def listener() -> None:
        with priority.urgent():
            priority.give_way()  # before its ack: goes straight on
            reached_ack.set()
            release.wait(10)
            priority.not_urgent()  # the ack is out
            priority.give_way()  # after it: waits for the other request

    with priority.waiting():
        _, done = in_thread(listener)
        assert reached_ack.wait(10)
        release.set()
        assert not done.wait(0.2)
    assert done.wait(10)


def test_a_wait_ends_after_the_limit_and_the_thread_then_runs_on_before_waiting_again() -> None:
    priority = Priority(limit=0.01, run_on=LONG)
    with priority.waiting():  # a request that is never answered meanwhile
        _, first = in_thread(priority.give_way)
        assert first.wait(10)  # the limit, not an answer, ended it

        def twice() -> None:
            priority.give_way()  # waits the limit
            priority.give_way()  # within run_on of the last wait: at once

        _, done = in_thread(twice)
        assert done.wait(10)


def test_the_database_gives_way_before_a_threads_outermost_unit_of_work_only(
    tmp_path: object,
) -> None:
    db = Database(f"sqlite:///{tmp_path}/priority.db")
    calls: list[int] = []
    db.before_work = lambda: calls.append(1)
    with db.session(), db.session():
        pass
    assert calls == [1]
    with db.session():
        pass
    assert calls == [1, 1]
    db.dispose()


def test_a_thread_running_an_event_loop_or_always_urgent_never_waits() -> None:
    priority = Priority(limit=LONG)

    async def in_a_loop() -> None:
        priority.give_way()

    def urgent_for_good() -> None:
        priority.always_urgent()
        priority.give_way()

    with priority.waiting():
        _, loop_done = in_thread(lambda: asyncio.run(in_a_loop()))
        _, urgent_done = in_thread(urgent_for_good)
        assert loop_done.wait(10) and urgent_done.wait(10)


def test_on_postgresql_work_gives_way_between_statements_on_sqlite_only_before_a_unit(
    db: Database,
) -> None:
    """A transaction already under way waits before its next statement while a request awaits
    its answer, on PostgreSQL. On SQLite it runs on: waiting there would hold the database's
    one write lock."""
    priority = Priority(limit=LONG)
    db.between_statements = priority.give_way
    first, go_on, second = threading.Event(), threading.Event(), threading.Event()

    def transaction() -> None:
        with db.session() as session:
            session.execute(text("SELECT 1"))
            first.set()
            go_on.wait(10)
            session.execute(text("SELECT 2"))
            second.set()

    thread, done = in_thread(transaction)
    assert first.wait(10)
    with priority.waiting():
        go_on.set()
        if db.is_postgres:
            assert not second.wait(0.5)  # waiting for the answer, not for the database
        else:
            assert second.wait(10)
    assert done.wait(10)
    thread.join(10)


def test_the_replay_check_thread_never_gives_way(settings: Settings, db: Database) -> None:
    """It reads only for requests awaiting their answer: waiting for them would wait on itself."""
    handoff = Handoff.build(settings, db=db)
    handoff.priority.limit = LONG

    def read() -> int:
        with db.session() as session:
            session.execute(text("SELECT 1"))
            return int(session.execute(text("SELECT 2")).scalar_one())

    try:
        with handoff.priority.waiting():
            assert handoff.signature_checks.submit(read).result(10) == 2
    finally:
        handoff.stop()
