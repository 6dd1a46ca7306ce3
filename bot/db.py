"""Engine, sessions and migrations. SQLite (default) and PostgreSQL behave the same."""

from __future__ import annotations

import logging
import math
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import psycopg
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, QueuePool, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"

log = logging.getLogger(__name__)
T = TypeVar("T")

# PostgreSQL's deadlock_detected and serialization_failure: a transaction another one
# conflicted with, which succeeds when run again.
TRANSIENT_CONFLICTS = frozenset({"40P01", "40001"})


DEFAULT_TIMEOUT = 2.0  # seconds; see DATABASE_TIMEOUT in the README


class DatabaseUnavailable(Exception):
    """The database could not be reached or used; the message names it (never the password)."""


def describe(url: str) -> str:
    """Which database a URL points to, for messages: no user name, no password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"the SQLite database {parsed.database or ':memory:'}"
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    return f"the PostgreSQL database {parsed.database or '(default)'!s} at {where}"


def make_engine(url: str, timeout: float = DEFAULT_TIMEOUT, *, quick: bool = False) -> Engine:
    """An engine whose every wait is bounded by about `timeout` seconds: connecting, waiting for
    a lock or a pooled connection (statements themselves may run 4 times as long).

    `quick` (PostgreSQL): for one-statement reads on a request's path, one round trip each:
    autocommit (no BEGIN, no ROLLBACK) and no ping at checkout (a connection the server has
    dropped fails that one read, and is replaced)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            connect_args={"timeout": timeout, "check_same_thread": False},
            # An error's text must not carry a row's values (lead details) into the log.
            hide_parameters=True,
        )
        busy_ms = int(timeout * 1000)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]  # raw DBAPI connection, untyped
            # Let SQLAlchemy issue BEGIN itself so that transactions really start when we say.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # type: ignore[no-untyped-def]  # raw DBAPI connection, untyped
            # IMMEDIATE takes the write lock up front, so two writers queue on busy_timeout
            # instead of failing with "database is locked" when a read turns into a write.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    seconds = max(2, math.ceil(timeout))  # libpq's connect_timeout: whole seconds, at least 2
    engine = create_engine(
        url,
        hide_parameters=True,  # an error's text must not carry a row's values into the log
        pool_pre_ping=not quick,
        pool_size=10,
        max_overflow=20,
        **({"isolation_level": "AUTOCOMMIT"} if quick else {}),
        pool_timeout=timeout,
        connect_args={
            "connect_timeout": seconds,
            # A server that stops answering (packets dropped) fails the connection instead of
            # leaving it to the kernel's 15-minute retransmission limit.
            "tcp_user_timeout": int(timeout * 1000),
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 2,
            "keepalives_count": 3,
        },
    )
    lock_ms, statement_ms = int(timeout * 1000), int(timeout * 4000)

    @event.listens_for(engine, "connect")
    def _postgres_timeouts(dbapi_connection, _record):  # type: ignore[no-untyped-def]  # raw DBAPI connection, untyped
        # SET rather than the `options` startup parameter, which PgBouncer refuses.
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {statement_ms}")
            cursor.execute(f"SET lock_timeout = {lock_ms}")
        dbapi_connection.autocommit = autocommit

    return engine


class Database:
    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.url = url
        self.timeout = timeout
        self.engine = make_engine(url, timeout)
        self._read_engine: Engine | None = None
        self._quick_engine = make_engine(url, timeout, quick=True) if self.is_postgres else None
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Called before a thread's outermost unit of work (`bot.priority`: background work
        # gives way to Slack requests awaiting their ack); the services set it.
        self.before_work: Callable[[], None] | None = None
        # Called before each statement, on PostgreSQL only: there a transaction that waits
        # holds only the rows it wrote. A SQLite transaction holds the database's one write
        # lock from its start (BEGIN IMMEDIATE), so waiting inside it would hold up every
        # writer; there `before_work` is the only place work gives way.
        self.between_statements: Callable[[], None] | None = None
        if self.is_postgres:
            event.listen(self.engine, "before_cursor_execute", self._between_statements)
        self._depth = threading.local()

    def _between_statements(self, *_args: Any) -> None:
        if self.between_statements is not None:
            self.between_statements()

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on any exception."""
        with self._unit(), self.sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def _unit(self) -> Iterator[None]:
        """Around a session: `before_work` first when it is the thread's outermost one."""
        depth = getattr(self._depth, "value", 0)
        if depth == 0 and self.before_work is not None:
            self.before_work()  # never inside a transaction: it may wait
        self._depth.value = depth + 1
        try:
            yield
        finally:
            self._depth.value = depth

    def retrying(self, work: Callable[[], T], attempts: int = 3) -> T:
        """Run `work` (a whole unit of work, safe to run again) and run it again when PostgreSQL
        chose it as a deadlock victim or refused it as a serialization failure: both are
        temporary conflicts with another transaction, not errors in what was asked."""
        for attempt in range(1, attempts + 1):
            try:
                return work()
            except OperationalError as exc:
                code = getattr(exc.orig, "sqlstate", None)
                if code not in TRANSIENT_CONFLICTS or attempt == attempts:
                    raise
                log.info("transaction conflict (%s); trying again (attempt %d)", code, attempt)
        raise AssertionError("unreachable")

    def upgrade(self) -> None:
        """Apply every Alembic migration (idempotent). DatabaseUnavailable if the database
        cannot be reached or written."""
        try:
            self._upgrade()
        except OperationalError as exc:
            reason = _reason(exc)
            raise DatabaseUnavailable(f"could not use {describe(self.url)}: {reason}") from None

    def _upgrade(self) -> None:
        with self.engine.begin() as connection:
            if self.is_postgres:  # migrations may take longer than a web request
                connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
                connection.exec_driver_sql("SET LOCAL lock_timeout = '60s'")
            config = alembic_config(self.url)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def ping(self) -> bool:
        return self.check()[0] == "ok"

    def check(self) -> tuple[str, str]:
        """("ok" | "read-only" | "unreachable", detail), taking no write lock.

        SQLite: a read on a separate read-only connection (in WAL mode it never waits for a
        writer), and whether the file, its folder and its WAL files can be written.
        PostgreSQL: `SHOW transaction_read_only` (a hot standby answers "on")."""
        try:
            if self.is_postgres:
                with self.engine.connect() as connection:
                    read_only = connection.exec_driver_sql("SHOW transaction_read_only").scalar()
                    connection.rollback()
                if read_only == "on":
                    return "read-only", "the server only accepts reads (transaction_read_only)"
                return "ok", ""
            return self._check_sqlite()
        except Exception as exc:
            return "unreachable", _reason(exc)

    def _sqlite_path(self) -> tuple[str, bool]:
        """(file path, opened read-only by DATABASE_URL) of a SQLite URL; "" for :memory:."""
        parsed = make_url(self.url)
        path = parsed.database or ""
        read_only = parsed.query.get("mode") == "ro" or parsed.query.get("immutable") == "1"
        if path.startswith("file:"):
            path = path[len("file:") :].partition("?")[0]
        return ("" if path == ":memory:" else path), read_only

    def _check_sqlite(self) -> tuple[str, str]:
        path, read_only = self._sqlite_path()
        if read_only:
            return "read-only", "DATABASE_URL opens it read-only"
        if not path:
            return "ok", ""
        if not os.path.exists(path):
            return "unreachable", f"{path} does not exist"
        with self.read_session() as session:
            session.execute(text("SELECT count(*) FROM sqlite_master")).scalar()
        folder = os.path.dirname(os.path.abspath(path))
        writable = [path, folder] + [
            path + suffix for suffix in ("-wal", "-shm") if os.path.exists(path + suffix)
        ]
        if not all(os.access(name, os.W_OK) for name in writable):
            return "read-only", f"{path} (or its folder) cannot be written"
        return "ok", ""

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A session for reads only. On SQLite it uses a read-only connection that takes no
        write lock (the normal sessions begin with BEGIN IMMEDIATE)."""
        engine = self._reader()
        with self._unit(), Session(engine) as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def read_connection(self) -> Iterator[Connection]:
        """A Core connection for one quick read, without an ORM session's cost (the replay
        check runs one per Slack request): SQLite's read-only engine, as `read_session`;
        on PostgreSQL an autocommit engine of its own (`make_engine(quick=True)`)."""
        engine = self._quick_engine or self._reader()
        with engine.connect() as connection:
            try:
                yield connection
            finally:
                connection.rollback()

    async def connect_async(self) -> psycopg.AsyncConnection[Any]:
        """PostgreSQL only: an autocommit connection of psycopg's own for an event loop (the
        replay check's reads, `bot.replays`), with the engines' bounds: connecting, a dead
        server (TCP) and a statement all time out."""
        if not self.is_postgres:
            raise ValueError("only PostgreSQL has an event-loop connection")
        url = make_url(self.url).set(drivername="postgresql")
        timeout = self.timeout
        connection = await psycopg.AsyncConnection.connect(
            url.render_as_string(hide_password=False),
            autocommit=True,
            connect_timeout=max(2, math.ceil(timeout)),
            tcp_user_timeout=int(timeout * 1000),
            keepalives=1,
            keepalives_idle=10,
            keepalives_interval=2,
            keepalives_count=3,
        )
        await connection.execute(f"SET statement_timeout = {int(timeout * 4000)}")
        return connection

    def _reader(self) -> Engine:
        if self.is_postgres:
            return self.engine
        if self._read_engine is None:
            path, _ = self._sqlite_path()
            if not path:
                return self.engine
            target, timeout = f"file:{os.path.abspath(path)}?mode=ro", self.timeout
            self._read_engine = create_engine(
                "sqlite://",
                creator=lambda: sqlite3.connect(
                    target, uri=True, timeout=timeout, check_same_thread=False
                ),
                # Not the in-memory default (SingletonThreadPool), which closes connections
                # other threads are still using once more than 5 threads read: the replay
                # check reads on request threads, and that crashed the process (SIGSEGV).
                poolclass=QueuePool,
                pool_size=5,
                max_overflow=40,
                pool_timeout=timeout,
            )
        return self._read_engine

    def dispose(self) -> None:
        self.engine.dispose()
        for engine in (self._read_engine, self._quick_engine):
            if engine is not None:
                engine.dispose()


_MEMOS = "handoff_transaction_memos"


def transaction_memo(session: Session, name: str) -> dict[Any, Any]:
    """A dict that lives as long as `session`'s current transaction: forgotten when it
    commits or rolls back (a savepoint's rollback too). For what one transaction may reuse
    across a batch (a look-up made once for many leads) and must not outlive it."""
    memos: dict[str, dict[Any, Any]] = session.info.setdefault(_MEMOS, {})
    return memos.setdefault(name, {})


def _forget_memos(session: Session, *_args: Any) -> None:
    session.info.pop(_MEMOS, None)


if not event.contains(Session, "after_commit", _forget_memos):
    event.listen(Session, "after_commit", _forget_memos)
    event.listen(Session, "after_soft_rollback", _forget_memos)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _reason(exc: BaseException) -> str:
    """The first line of the driver's message (libpq and SQLite never include a password)."""
    orig = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    return (lines[0] if lines else type(orig).__name__)[:300]
