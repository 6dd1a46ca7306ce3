"""`Database.retrying`: a unit of work PostgreSQL picks as a deadlock victim runs again."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.db import Database


class _Orig(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _conflict(sqlstate: str) -> OperationalError:
    return OperationalError("UPDATE ...", {}, _Orig(sqlstate))


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])
def test_a_transient_conflict_is_run_again(sqlite_url: str, sqlstate: str) -> None:
    db = Database(sqlite_url)
    calls: list[int] = []

    def work() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise _conflict(sqlstate)
        return "stored"

    try:
        assert db.retrying(work) == "stored"
    finally:
        db.dispose()
    assert len(calls) == 3


def test_other_errors_and_a_last_conflict_are_raised(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    try:
        calls: list[int] = []

        def unreachable() -> None:
            calls.append(1)
            raise _conflict("08006")  # connection failure: not a conflict

        with pytest.raises(OperationalError):
            db.retrying(unreachable)
        assert len(calls) == 1

        def always_deadlocked() -> None:
            calls.append(1)
            raise _conflict("40P01")

        with pytest.raises(OperationalError):
            db.retrying(always_deadlocked, attempts=2)
        assert len(calls) == 3
    finally:
        db.dispose()


def test_a_real_deadlock_victim_succeeds_when_run_again(db: Database) -> None:
    """Two transactions lock two rows in opposite orders; PostgreSQL aborts one of them, and
    `retrying` runs that one again, so both finish."""
    if not db.is_postgres:
        pytest.skip("SQLite serialises writers; it has no deadlocks")
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE pair (id int PRIMARY KEY, n int)"))
        conn.execute(text("INSERT INTO pair VALUES (1, 0), (2, 0)"))
    both_hold_one = threading.Barrier(2)
    attempts = {"a": 0, "b": 0}
    errors: list[BaseException] = []

    def transaction(name: str, first: int, second: int) -> None:
        def work() -> None:
            attempts[name] += 1
            with db.session() as session:
                session.execute(text("UPDATE pair SET n = n + 1 WHERE id = :i"), {"i": first})
                if attempts[name] == 1:
                    both_hold_one.wait(10)
                session.execute(text("UPDATE pair SET n = n + 1 WHERE id = :i"), {"i": second})

        try:
            db.retrying(work)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=transaction, args=("a", 1, 2)),
        threading.Thread(target=transaction, args=("b", 2, 1)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sorted(attempts.values()) == [1, 2]  # one deadlock victim, run once more
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT sum(n) FROM pair")).scalar() == 4
