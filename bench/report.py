"""The weekly sync report and the lead export, at size.

    .venv/bin/python bench/report.py weekly   # 100,000 leads of one week, 50 campaigns
    .venv/bin/python bench/report.py export   # report export of 1,000,000 leads
    .venv/bin/python bench/report.py          # both

`weekly` seeds a temporary SQLite file (200 reps in five time zones, a stage history for the
worked leads, feedback and not-a-fit reasons), then builds the week's report as the scheduler
does: scorecards, the message and the chart (median of 3 runs, tracemalloc's peak, and max RSS
growth), beside a same-run baseline: one COUNT over the same leads. Targets: < 3 s, < 300 MB.

`export` seeds 1,000,000 leads and writes `report export`'s CSV for the first 100,000 and for
all of them to /dev/null: the time (target < 60 s for all), and tracemalloc's peak for each,
which must not grow with the number of leads; the baseline is a bare cursor over the same rows.
"""

from __future__ import annotations

import gc
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select

from bot.config import Settings, load_settings
from bot.db import Database
from bot.digest.parts import Parts
from bot.models import Campaign, Feedback, Lead, LeadStageChange, Person
from bot.people import SlackDirectory
from bot.reports import export
from bot.reports.content import build_weekly
from bot.reports.render import report_chart, report_message
from bot.reports.weeks import IsoWeek

WEEK = IsoWeek(2026, 47)
CAMPAIGNS = 50
REPS = 200
ZONES = ["America/New_York", "America/Los_Angeles", "Europe/Berlin", "Asia/Kolkata", "UTC"]
CHUNK = 20_000


def seed_people(db: Database) -> list[str]:
    people = [
        {
            "id": r + 1,
            "slack_id": f"UR{r:04d}",
            "name": f"Rep {r}",
            "role": "rep",
            "tz_override": ZONES[r % len(ZONES)],
        }
        for r in range(REPS)
    ]
    campaigns = [
        {"id": c + 1, "code": f"camp{c}", "name": f"Campaign {c}"} for c in range(CAMPAIGNS)
    ]
    with db.engine.begin() as conn:
        conn.execute(insert(Person), people)
        conn.execute(insert(Campaign), campaigns)
    return [f"UR{r:04d}" for r in range(REPS)]


def seed_leads(
    db: Database, count: int, start: datetime, span: timedelta, *, history: bool
) -> None:
    rng = random.Random(13)
    reps = seed_people(db)
    seconds = int(span.total_seconds())
    change_id = 0
    for first in range(0, count, CHUNK):
        leads, changes, feedback = [], [], []
        for n in range(first, min(count, first + CHUNK)):
            received = start + timedelta(seconds=rng.randrange(seconds))
            touched = (
                received + timedelta(minutes=rng.randint(1, 900)) if rng.random() < 0.7 else None
            )
            roll = rng.random()
            stage = "new"
            path: list[str] = []
            if touched is not None:
                path = ["working"]
                if roll < 0.35:
                    path += ["meeting"]
                if roll < 0.15:
                    path += ["opportunity"]
                if roll < 0.06:
                    path += ["won"]
                elif roll > 0.9:
                    path += ["lost"]
                stage = path[-1]
            leads.append(
                {
                    "id": n + 1,
                    "external_id": f"bench-{n}",
                    "name": f"Lead {n}",
                    "campaign_id": rng.randint(1, CAMPAIGNS) if rng.random() < 0.9 else None,
                    "owner_id": rng.choice(reps),
                    "hot": rng.random() < 0.25,
                    "source": "Bench",
                    "received_at": received,
                    "first_touched_at": touched,
                    "status": "contacted" if touched else ("not_fit" if roll < 0.02 else "new"),
                    "stage": stage,
                    "extra": {},
                }
            )
            if history and touched is not None:
                previous, at = "new", touched
                for step in path:
                    change_id += 1
                    changes.append(
                        {
                            "id": change_id,
                            "lead_id": n + 1,
                            "stage": step,
                            "previous": previous,
                            "at": at,
                            "by_kind": "crm",
                            "by": "Bench",
                        }
                    )
                    previous, at = step, at + timedelta(hours=rng.randint(1, 48))
            if history and n % 50 == 0:
                feedback.append(
                    {
                        "author_id": rng.choice(reps),
                        "campaign_id": rng.randint(1, CAMPAIGNS),
                        "kind": "rep",
                        "text": f"Customer line {n}",
                        "tags": [rng.choice(["pricing", "praise", "competitor"])],
                        "created_at": received,
                    }
                )
        with db.engine.begin() as conn:
            conn.execute(insert(Lead), leads)
            if changes:
                conn.execute(insert(LeadStageChange), changes)
            if feedback:
                conn.execute(insert(Feedback), feedback)


def measure(work: Callable[[], object], runs: int = 3) -> tuple[list[float], float, float]:
    """Times of `runs` runs, then tracemalloc's peak (MB) of one more and the RSS growth (MB)."""
    work()  # warm up: imports, templates, the database's page cache
    gc.collect()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    rss = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    tracemalloc.start()
    work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return times, peak / 2**20, rss


def settings_for(url: str) -> Settings:
    return load_settings({"DATABASE_URL": url, "WORKING_HOURS": "Mon-Fri 08:00-18:00"})


def bench_weekly(tmp: Path, leads: int = 100_000) -> None:
    url = f"sqlite:///{tmp / 'weekly.db'}"
    db = Database(url)
    db.upgrade()
    zone = ZoneInfo("UTC")
    period = WEEK.period(zone)
    assert period.start is not None
    started = time.perf_counter()
    seed_leads(db, leads, period.start, timedelta(days=7), history=True)
    seeded = time.perf_counter() - started
    parts = Parts(settings_for(url), db, SlackDirectory(db, None, default_tz="UTC"))

    def report() -> int:
        content = build_weekly(parts, WEEK)
        message = report_message(content)
        chart = report_chart(content) or b""
        return len(message.blocks) + len(chart)

    def baseline() -> int:
        with db.read_session() as session:
            return (
                session.scalar(
                    select(func.count())
                    .select_from(Lead)
                    .where(Lead.received_at >= period.start, Lead.received_at < period.end)
                )
                or 0
            )

    base_times, _, _ = measure(baseline)
    times, peak, rss = measure(report)
    db.dispose()
    print(
        f"Weekly sync report on SQLite: {leads:,} leads in {WEEK.label}, {CAMPAIGNS} campaigns, "
        f"{REPS} reps (seeded in {seeded:.1f} s)"
    )
    print(
        f"  build (scorecards, message, chart): {statistics.median(times):6.3f} s median "
        f"(target < 3 s)   runs: {', '.join(f'{t:.3f}' for t in times)}"
    )
    print(f"  baseline, one COUNT of the week:    {statistics.median(base_times):6.3f} s median")
    print(f"  peak memory (tracemalloc):          {peak:6.1f} MB   (target < 300 MB)")
    print(f"  max RSS growth over the runs:       {rss:6.1f} MB")


def bench_export(tmp: Path, leads: int = 1_000_000) -> None:
    url = f"sqlite:///{tmp / 'export.db'}"
    db = Database(url)
    db.upgrade()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    span = timedelta(days=300)
    started = time.perf_counter()
    seed_leads(db, leads, start, span, history=False)
    seeded = time.perf_counter() - started
    settings = settings_for(url)
    zone = ZoneInfo("UTC")
    # A tenth of the leads arrived in the first tenth of the span.
    tenth_until = (start + span / 10 - timedelta(days=1)).date()

    def run(until: date | None) -> Callable[[], int]:
        def work() -> int:
            period = export.ExportRange(None, until).period(zone, start + span)
            with open(os.devnull, "w", encoding="utf-8") as out, db.read_session() as session:
                lines = export.rows(
                    session,
                    period,
                    sla=settings.hot_lead_sla,
                    hours=settings.working_hours,
                    zone_of=lambda _owner: zone,
                )
                return export.write(lines, out, "csv")

        return work

    def bare() -> int:
        with db.read_session() as session:
            rows = session.execute(
                select(Lead.external_id, Lead.received_at, Lead.first_touched_at)
                .order_by(Lead.received_at, Lead.id)
                .execution_options(yield_per=export.BATCH)
            )
            return sum(1 for _ in rows)

    part_times, part_peak, _ = measure(run(tenth_until), runs=1)
    all_times, all_peak, all_rss = measure(run(None), runs=1)
    bare_times, _, _ = measure(bare, runs=1)
    written = run(None)()
    db.dispose()
    print(f"report export (CSV) on SQLite: {leads:,} leads (seeded in {seeded:.1f} s)")
    print(
        f"  all {written:,} rows:      {all_times[0]:6.1f} s (target < 60 s); "
        f"peak {all_peak:5.1f} MB (tracemalloc), max RSS growth {all_rss:5.1f} MB"
    )
    print(
        f"  the first tenth only:    {part_times[0]:6.1f} s; peak {part_peak:5.1f} MB "
        "(memory does not grow with the rows)"
    )
    print(f"  baseline, a bare cursor: {bare_times[0]:6.1f} s over the same rows")


def main() -> None:
    which = sys.argv[1:] or ["weekly", "export"]
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        if "weekly" in which:
            bench_weekly(tmp)
        if "export" in which:
            bench_export(tmp)


if __name__ == "__main__":
    main()
