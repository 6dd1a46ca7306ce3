"""Unit tests of the Slack request gate: signature checks, replays, response_url hosts, logs."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
import time_machine
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import Engine

from bot.db import Database
from bot.deliveries import record_signatures
from bot.logsetup import exception_summary, quiet_libraries
from bot.models import SlackEvent
from bot.replays import SeenSignatures
from bot.slack_api import response_url_allowed
from handlers.http import RefusalLog, routable, unverified_reason

SECRET = "unit-secret"
NOW = 1_800_000_000


def sign(body: str, timestamp: int | str) -> str:
    return SignatureVerifier(SECRET).generate_signature(timestamp=str(timestamp), body=body)


@pytest.mark.parametrize(
    ("timestamp", "signature", "body", "reason"),
    [
        (str(NOW), sign("a=1", NOW), b"a=1", None),
        (str(NOW - 300), sign("a=1", NOW - 300), b"a=1", None),
        (str(NOW + 300), sign("a=1", NOW + 300), b"a=1", None),
        (str(NOW - 301), sign("a=1", NOW - 301), b"a=1", "stale timestamp"),
        (str(NOW + 301), sign("a=1", NOW + 301), b"a=1", "stale timestamp"),
        ("abc", "v0=1", b"a=1", "malformed signature"),
        ("abc", sign("a=1", NOW), b"a=1", "malformed signature"),
        (f"+{NOW}", sign("a=1", NOW), b"a=1", "malformed signature"),
        (f"{NOW}.0", sign("a=1", NOW), b"a=1", "malformed signature"),
        ("9" * 400, sign("a=1", NOW), b"a=1", "malformed signature"),
        (str(NOW), sign("a=1", NOW).upper(), b"a=1", "malformed signature"),
        (str(NOW), "v1=" + sign("a=1", NOW)[3:], b"a=1", "malformed signature"),
        (str(NOW), "v0=\u00e9" * 20, b"a=1", "malformed signature"),
        (str(NOW), sign("a=1", NOW), b"a=2", "wrong signature"),
        (str(NOW), sign("a=1", NOW + 1), b"a=1", "wrong signature"),
        (str(NOW), sign("\ufffd", NOW), b"\xff", "body is not UTF-8"),
        (None, sign("a=1", NOW), b"a=1", "no signature"),
        (str(NOW), None, b"a=1", "no signature"),
        ("", "", b"a=1", "no signature"),
    ],
)
def test_only_a_good_fresh_signature_passes(
    timestamp: str | None, signature: str | None, body: bytes, reason: str | None
) -> None:
    with time_machine.travel(NOW, tick=False):
        assert unverified_reason(SignatureVerifier(SECRET), body, timestamp, signature) == reason


@pytest.mark.parametrize(
    ("url", "api_url", "allowed"),
    [
        ("https://hooks.slack.com/commands/T1/2/x", None, True),
        ("https://hooks.slack.com:443/actions/T1/2/x", None, True),
        ("https://HOOKS.slack.com/actions/T1/2/x", None, True),
        ("http://hooks.slack.com/commands/T1/2/x", None, False),
        ("https://hooks.slack.com:8443/commands/x", None, False),
        ("https://hooks.slack.com.evil.example/x", None, False),
        ("https://evil.example/hooks.slack.com/x", None, False),
        ("https://user@hooks.slack.com/x", None, False),
        ("https://hooks.slack.com@evil.example/x", None, False),
        ("http://127.0.0.1:9999/hit", None, False),
        ("http://127.0.0.1:9999/hit", "https://slack.com/api/", False),
        ("https://slack.com/api/chat.postMessage", "https://slack.com/api/", False),
        ("http://127.0.0.1:5000/response/abc", "http://127.0.0.1:5000/api/", True),
        ("http://127.0.0.1:9999/hit", "http://127.0.0.1:5000/api/", False),
        ("https://127.0.0.1:5000/response/abc", "http://127.0.0.1:5000/api/", False),
        ("http://[::1", None, False),
        ("", None, False),
        (None, None, False),
        (["https://hooks.slack.com/x"], None, False),
    ],
)
def test_response_urls_are_only_called_on_slacks_hosts(
    url: object, api_url: str | None, allowed: bool
) -> None:
    assert response_url_allowed(url, api_url) is allowed


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        (None, False),
        ([], False),
        ({}, False),
        ({"type": None}, False),
        ({"type": "block_actions", "actions": []}, False),
        ({"type": "block_actions", "actions": [None]}, False),
        ({"type": "block_actions", "actions": [{}]}, True),
        ({"type": "view_submission", "view": "x"}, False),
        ({"type": "event_callback", "event": []}, False),
        ({"command": 1}, False),
        ({"command": "/feedback"}, True),
        ({"type": "something_new"}, True),
    ],
)
def test_only_bodies_with_the_shape_bolt_expects_are_routed(body: object, ok: bool) -> None:
    assert routable(body) is ok


def test_refusals_log_one_short_line_a_minute(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="handlers.http")
    refusals = RefusalLog(every=60)
    for _ in range(1000):
        refusals.refused("wrong signature")
    assert len(caplog.records) == 1
    refusals._last -= 61  # a minute later
    refusals.refused("no signature")
    assert len(caplog.records) == 2
    assert "1 no signature, 999 wrong signature" in caplog.records[1].getMessage()


def test_a_signature_is_accepted_once_by_all_threads_together(db: Database) -> None:
    checks = ThreadPoolExecutor(2)
    seen = SeenSignatures(db, checks, db_wait=10)
    start = threading.Barrier(16)

    def attempt(_: int) -> bool:
        start.wait()
        return seen.first_time("v0=" + "ab" * 32)

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(attempt, range(16)))
    assert results.count(True) == 1
    checks.shutdown()


def test_a_signature_seen_by_another_process_is_refused(db: Database) -> None:
    """Once the first process's record has landed (in the background, not in the ack)."""
    with ThreadPoolExecutor(2) as checks, ThreadPoolExecutor(1) as writes:
        one = SeenSignatures(db, checks, db_wait=10, writes=writes)
        other = SeenSignatures(db, checks, db_wait=10, writes=writes)
        assert one.first_time("v0=" + "cd" * 32)
        writes.submit(lambda: None).result()  # the record is written
        assert not other.first_time("v0=" + "cd" * 32)
        assert other.first_time("v0=" + "ef" * 32)


def test_a_signature_is_not_mistaken_for_a_replay_of_itself(db: Database) -> None:
    """The record is written after the read: many first requests in a row are all accepted."""
    with ThreadPoolExecutor(2) as checks, ThreadPoolExecutor(1) as writes:
        seen = SeenSignatures(db, checks, db_wait=10, writes=writes)
        assert all(seen.first_time(f"v0={n:04x}" + "a" * 60) for n in range(200))
        writes.submit(lambda: None).result()
        with db.session() as session:
            stored = session.scalar(
                select(func.count())
                .select_from(SlackEvent)
                .where(SlackEvent.event_id.startswith("sig:"))
            )
        assert stored == 200


def test_concurrent_checks_share_one_query(db: Database) -> None:
    """On PostgreSQL the reads of signatures that arrive together go in one query (`IN`),
    each still answered on its own: one recorded by another process is refused, the rest
    accepted. The single check thread is held busy while all of them arrive."""
    if not db.is_postgres:
        pytest.skip("SQLite reads a local file on the request's own thread")
    record_signatures(db, ["sig:" + "9f" * 30])
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if threading.current_thread().name.startswith("check"):
            statements.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    release = threading.Event()
    try:
        with (
            ThreadPoolExecutor(1, thread_name_prefix="check") as checks,
            ThreadPoolExecutor(16) as requests,
            ThreadPoolExecutor(1) as writes,
        ):
            seen = SeenSignatures(db, checks, db_wait=30, writes=writes)
            checks.submit(release.wait)
            signatures = [f"v0={n:02x}" + "e" * 62 for n in range(15)] + ["v0=" + "9f" * 32]
            try:
                answers = [requests.submit(seen.first_time, s) for s in signatures]
                deadline = time.monotonic() + 30
                while seen._backlog < 16 and time.monotonic() < deadline:
                    time.sleep(0.01)  # all of them wait for the one check thread
            finally:
                release.set()
            results = [answer.result(timeout=30) for answer in answers]
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    assert results == [True] * 15 + [False]
    assert len(statements) == 1


@contextmanager
def stalled_reads(db: Database, checks: ThreadPoolExecutor) -> Iterator[Callable[[], None]]:
    """Signature reads cannot finish until the yielded function is called: on PostgreSQL the
    table is locked (the event loop reads on a connection of its own), on SQLite the check
    thread is busy."""
    if not db.is_postgres:
        free = threading.Event()
        checks.submit(free.wait)
        try:
            yield free.set
        finally:
            free.set()
        return
    with db.engine.connect() as locker:
        locker.execute(text("LOCK TABLE slack_events IN ACCESS EXCLUSIVE MODE"))
        try:
            yield locker.rollback
        finally:
            locker.rollback()


def test_an_awaited_check_that_outlasts_its_wait_is_decided_in_this_process(
    db: Database,
) -> None:
    """The event loop's check (`first_time_async`) waits `db_wait` for the coalesced read, then
    lets the in-process cache decide; the late answer harms nothing and later checks still
    reach the database."""
    with (
        ThreadPoolExecutor(1) as checks,
        ThreadPoolExecutor(1) as writes,
        stalled_reads(db, checks) as release,
    ):
        seen = SeenSignatures(db, checks, db_wait=0.05, writes=writes)

        async def scenario() -> None:
            assert await seen.first_time_async("v0=" + "77" * 32)  # decided here, in time
            release()
            await asyncio.wrap_future(checks.submit(lambda: None))
            while seen._loop_reads is not None and seen._loop_reads._answering is not None:
                await asyncio.sleep(0.01)  # the late read has been answered
            seen.db_wait = 30
            record_signatures(db, ["sig:" + "79" * 30])  # as another process would
            assert not await seen.first_time_async("v0=" + "79" * 32)
            assert await seen.first_time_async("v0=" + "78" * 32)
            assert not await seen.first_time_async("v0=" + "77" * 32)  # remembered here

        asyncio.run(scenario())


def test_the_event_loops_checks_share_one_query(db: Database) -> None:
    """On PostgreSQL the loop's checks of a burst go in one query on its own connection, each
    still answered on its own."""
    if not db.is_postgres:
        pytest.skip("SQLite's reads go through the check thread (above)")
    record_signatures(db, ["sig:" + "9f" * 30])
    batches: list[int] = []
    with ThreadPoolExecutor(1) as checks, ThreadPoolExecutor(1) as writes:
        seen = SeenSignatures(db, checks, db_wait=30, writes=writes)
        reads = seen._loop_reads
        assert reads is not None
        query = reads._found

        async def counted(keys: list[str]) -> set[str]:
            batches.append(len(keys))
            return await query(keys)

        reads._found = counted  # type: ignore[method-assign]  # a spy around the real query
        signatures = [f"v0={n:02x}" + "d" * 62 for n in range(15)] + ["v0=" + "9f" * 32]

        async def burst() -> list[bool]:
            return list(await asyncio.gather(*(seen.first_time_async(s) for s in signatures)))

        results = asyncio.run(burst())
    assert results == [True] * 15 + [False]
    assert batches == [16]


def test_without_a_database_the_process_still_remembers() -> None:
    seen = SeenSignatures(None)
    assert seen.first_time("v0=" + "12" * 32)
    assert not seen.first_time("v0=" + "12" * 32)


def test_library_loggers_are_capped_whatever_the_root_level() -> None:
    root = logging.getLogger()
    before = {name: logging.getLogger(name).level for name in ("slack_sdk", "slack_bolt")}
    old = root.level
    try:
        root.setLevel(logging.DEBUG)
        quiet_libraries()
        assert not logging.getLogger("slack_sdk.web.base_client").isEnabledFor(logging.DEBUG)
        assert not logging.getLogger("slack_bolt.App").isEnabledFor(logging.INFO)
        assert not logging.getLogger("sqlalchemy.engine.Engine").isEnabledFor(logging.INFO)
    finally:
        root.setLevel(old)
        for name, level in before.items():
            logging.getLogger(name).setLevel(level)


def test_an_exception_summary_names_the_type_and_place_but_not_the_message() -> None:
    try:
        raise ValueError("Zelda Quuxworth zelda@example.org")
    except ValueError as exc:
        summary = exception_summary(exc)
    assert summary.startswith("ValueError at test_slack_verification.py:")
    assert "Zelda" not in summary and "zelda@" not in summary


def test_time_is_read_at_each_request() -> None:
    body = "a=1"
    with time_machine.travel(NOW, tick=False) as clock:
        signature = sign(body, NOW)
        assert unverified_reason(SignatureVerifier(SECRET), b"a=1", str(NOW), signature) is None
        clock.shift(301)
        assert unverified_reason(SignatureVerifier(SECRET), b"a=1", str(NOW), signature) == (
            "stale timestamp"
        )


def test_without_a_signing_secret_nothing_is_verified() -> None:
    signature = sign("a=1", NOW)
    with time_machine.travel(NOW, tick=False):
        assert (
            unverified_reason(None, b"a=1", str(NOW), signature) == "no signing secret configured"
        )
