"""Test databases: a fresh SQLite file, or a fresh PostgreSQL database when TEST_DATABASE_URL
is set (created for the test and dropped after, so parallel runs never share state). Without
TEST_DATABASE_URL the PostgreSQL tests skip, or fail when CI=true."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from tests.support.ci import skip_or_fail_in_ci

PG_SKIP_REASON = "PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"


@contextmanager
def postgres_database() -> Iterator[str]:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        skip_or_fail_in_ci(PG_SKIP_REASON)
    name = f"handoff_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def database_url(kind: str, tmp_path: Path) -> Iterator[str]:
    if kind == "postgres":
        with postgres_database() as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'handoff.db'}"


def waiting_on_a_lock(engine: Engine) -> bool:
    """Whether some session of this PostgreSQL database is blocked waiting for a lock."""
    with engine.connect() as conn:
        waiting = conn.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
    return bool(waiting)
