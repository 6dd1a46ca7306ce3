"""`bot.priority`: background work gives way while a Slack request awaits its ack.

No timed assertions: the waits under test are made long (a minute), so a thread that returns
early did not wait, and one still waiting is released by the event the test controls."""

from __future__ import annotations

import threading
from collections.abc import Callable

from bot.db import Database
from bot.priority import Priority

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
