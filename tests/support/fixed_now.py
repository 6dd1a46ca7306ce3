"""Opt-in pytest plugin: run the whole suite as if the wall clock read a fixed instant.

    HANDOFF_TEST_NOW=2026-11-22T23:59:00Z .venv/bin/python -m pytest

starts ``time_machine.travel(instant, tick=True)`` for the whole session, so the clock starts
at that instant and keeps running (threads, sleeps and timeouts still work). Use it to find
tests that depend on the hour, the date, the weekday or a DST change: every test should pass
at every instant. Off unless the variable is set.

Processes the tests start (tests/support/app_process.py, the digest CLI tests) are not
affected: they read the real clock, so this cannot find their dependence on it. Choose
instants in the past: tests/bot/digest/test_digest_cli.py hands its processes a start time read from
this clock, and they would wait for a future one.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

ENV = "HANDOFF_TEST_NOW"
_traveller: time_machine.travel | None = None
_started: tuple[datetime, float] | None = None  # the fixed instant, and the real time then


def fixed_instant() -> datetime | None:
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return None
    instant = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    if instant.tzinfo is None:
        raise pytest.UsageError(f"{ENV} needs a time zone, e.g. 2026-11-22T23:59:00Z")
    return instant.astimezone(UTC)


def pytest_configure(config: pytest.Config) -> None:
    global _traveller, _started
    config.addinivalue_line(
        "markers",
        "real_clock: the test compares times taken in this process with times taken in a "
        "process it starts (which the fixed clock cannot reach), so it runs on the real clock",
    )
    instant = fixed_instant()
    if instant is not None:
        _started = (instant, time.time())
        _traveller = time_machine.travel(instant, tick=True)
        _traveller.start()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A `real_clock` test runs with the fixed clock suspended, which then resumes where it
    would have been."""
    global _traveller
    if _traveller is None or _started is None or item.get_closest_marker("real_clock") is None:
        return (yield)
    _traveller.stop()
    try:
        return (yield)
    finally:
        instant, real_start = _started
        _traveller = time_machine.travel(
            instant + timedelta(seconds=time.time() - real_start), tick=True
        )
        _traveller.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    global _traveller
    if _traveller is not None:
        _traveller.stop()
        _traveller = None


def pytest_report_header(config: pytest.Config) -> str | None:
    instant = fixed_instant()
    if instant is None:
        return None
    return f"{ENV}: the clock starts at {instant.isoformat()} ({instant:%A}) and ticks"
