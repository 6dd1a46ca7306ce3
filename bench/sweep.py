"""One ladder sweep over 1,000,000 stored leads of which 10 are due, on SQLite.

The leads table is filled in 50,000-row batches through the raw DB-API `executemany`: most
leads have nothing due (`next_due_at` NULL: acted on, cold or escalated already), 2% are due
later, and exactly 10 are due now. The headline figure is the sweep's claiming query
(`bot.leads.ladder.due_query`: the due leads, earliest first, `LIMIT 50`), median of 25 runs on a
warm connection. Then the whole `ladder.sweep()` (the query, 10 reminders rendered, pings
recorded and messages queued, one transaction and its commit) is timed 7 times, the 10 leads
put back at the foot of the ladder (a new cycle) after each: median and first (cold) run.
`EXPLAIN QUERY PLAN` shows the partial index `ix_leads_due` doing the work, not a scan.
Target from the issue: one sweep < 20 ms.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select, update

from bot.config import load_settings
from bot.db import Database
from bot.leads import ladder
from bot.models import Lead, utcnow
from bot.people import SlackDirectory

TOTAL = 1_000_000
DUE = 10
LATER_EVERY = 50  # 2% have something due in the future
BATCH = 50_000
RUNS = 25
SWEEPS = 7


COLUMNS = (
    "external_id, name, hot, owner_id, extra, created_at, received_at, updated_at, status, "
    "ladder_step, ladder_cycle, clock_started_at, next_due_at"
)


def stamp(moment: datetime) -> str:
    """How SQLAlchemy stores a (naive UTC) DateTime on SQLite."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def fill(db: Database, now: datetime) -> list[int]:
    """Insert the leads through the raw DB-API cursor (executemany, no per-row type
    processing); returns the ids of the due ones."""
    created, later, due_at = (
        stamp(now),
        stamp(now + timedelta(hours=1)),
        stamp(now - timedelta(seconds=5)),
    )
    due_rows = set(range(0, TOTAL, TOTAL // DUE))
    sql = f"INSERT INTO leads ({COLUMNS}) VALUES ({', '.join('?' * 13)})"  # noqa: S608  # noqa: S608 - constants only
    with db.engine.begin() as conn:
        for start in range(0, TOTAL, BATCH):
            rows = []
            for n in range(start, min(start + BATCH, TOTAL)):
                due = due_at if n in due_rows else later if n % LATER_EVERY == 1 else None
                clock = created if due else None
                rows.append(
                    (
                        f"bench-{n}",
                        f"Lead {n}",
                        due is not None,
                        "UBENCH1",
                        "{}",
                        created,
                        created,
                        created,
                        "new",
                        0,
                        1,
                        clock,
                        due,
                    )
                )
            conn.exec_driver_sql(sql, rows)
        return list(conn.execute(select(Lead.id).where(Lead.next_due_at <= now)).scalars())


def make_due_again(db: Database, ids: list[int], now: datetime) -> None:
    """Put the swept leads back at the foot of the ladder, in a new cycle."""
    with db.engine.begin() as conn:
        conn.execute(
            update(Lead)
            .where(Lead.id.in_(ids))
            .values(
                next_due_at=now - timedelta(seconds=5),
                ladder_step=0,
                ladder_cycle=Lead.ladder_cycle + 1,
            )
        )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'sweep.db'}")
        db.upgrade()
        now = utcnow()
        started = time.perf_counter()
        due_ids = fill(db, now)
        filled = time.perf_counter() - started
        assert len(due_ids) == DUE, due_ids
        query = ladder.due_query(now)
        with db.engine.connect() as conn:
            compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").all()
            timings, found = [], 0
            for _ in range(RUNS):
                t0 = time.perf_counter()
                found = len(conn.execute(query).all())
                timings.append((time.perf_counter() - t0) * 1000)
        settings = load_settings(
            {"WORKING_HOURS": "always", "SALES_CHANNEL": "CSALES", "MAX_PINGS_PER_HOUR": "10000"}
        )
        directory = SlackDirectory(db, None)
        sweeps, report = [], None
        for _ in range(SWEEPS):
            t0 = time.perf_counter()
            report = ladder.sweep(db, settings=settings, directory=directory, now=now)
            sweeps.append((time.perf_counter() - t0) * 1000)
            make_due_again(db, due_ids, now)
        db.dispose()

    print(f"Ladder sweep on SQLite: {TOTAL:,} leads, {DUE} due (filled in {filled:.1f} s)")
    print(
        f"  due-lead query:  median {statistics.median(timings):6.2f} ms  "
        f"(min {min(timings):.2f}, max {max(timings):.2f}; {found} rows; target < 20 ms)"
    )
    print(
        f"  whole sweep:     median {statistics.median(sweeps):6.2f} ms  "
        f"(first {sweeps[0]:.2f}; {report.reminders if report else 0} reminders queued each)"
    )
    print("  EXPLAIN QUERY PLAN:")
    for row in plan:
        print(f"    {row[-1]}")


if __name__ == "__main__":
    main()
