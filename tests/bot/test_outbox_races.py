"""Two transactions enqueue the same idempotency key at once, on PostgreSQL.

The pre-insert lookup in enqueue() cannot see the other transaction's uncommitted row; only the
database's unique constraint on outbox.key stops the second insert. The test holds the first
transaction open until the second has done its lookup and either finished (no constraint: a
duplicate) or is waiting on the first one's row lock (the constraint at work), then commits."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from bot.db import Database
from bot.models import OutboxMessage
from bot.outbox import enqueue
from tests.support.databases import postgres_database, waiting_on_a_lock


@pytest.fixture
def pg() -> Iterator[Database]:
    with postgres_database() as url:
        database = Database(url)
        database.upgrade()
        yield database
        database.dispose()


def test_two_concurrent_enqueues_of_one_key_make_one_row(pg: Database) -> None:
    results: dict[str, object] = {}
    errors: list[BaseException] = []

    def second() -> None:
        try:
            with pg.session() as session:
                results["second"] = enqueue(
                    session, "chat.postMessage", key="lead:1:alert", channel="CSALES", text="b"
                )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    with pg.session() as session:
        results["first"] = enqueue(
            session, "chat.postMessage", key="lead:1:alert", channel="CSALES", text="a"
        )
        session.flush()  # the first row is inserted, not yet committed
        racer = threading.Thread(target=second)
        racer.start()
        deadline = time.monotonic() + 10
        while racer.is_alive() and not waiting_on_a_lock(pg.engine) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert time.monotonic() < deadline, "the second enqueue neither finished nor waited"
    # The first commits here; the second (if it was waiting) now meets the constraint.
    racer.join(10)
    assert not racer.is_alive()
    assert errors == []
    assert results["first"] is not None
    assert results["second"] is None  # the duplicate is ignored, as enqueue() documents
    with pg.session() as session:
        rows = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.key == "lead:1:alert")
        )
    assert rows == 1
