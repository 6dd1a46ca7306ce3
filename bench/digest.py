"""Building the managers' daily digests on SQLite: 100,000 open leads, 200 reps, 20 managers.

Seeds a temporary SQLite file with SQLAlchemy Core (managers in five time zones, 25 campaigns,
leads spread over four weeks, a quarter of them hot, alerts for the hot ones, some touched),
then builds and renders every manager's digest exactly as the scheduler does, without sending.
Prints the time (median of 3 runs) and the peak memory: tracemalloc's peak during one build
and the process's max RSS growth across the runs. Targets from the issue: < 3 s, < 300 MB.
"""

from __future__ import annotations

import gc
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from bot.config import load_settings
from bot.db import Database
from bot.digest import build_digests, render_digest
from bot.digest.parts import Parts
from bot.models import Campaign, Lead, Person, SlackMessage, utcnow
from bot.people import SlackDirectory

LEADS = 100_000
MANAGERS = 20
REPS_PER_MANAGER = 10
CAMPAIGNS = 25
ZONES = ["America/New_York", "America/Los_Angeles", "Europe/Berlin", "Asia/Kolkata", "UTC"]
CHUNK = 10_000


def seed(db: Database) -> None:
    rng = random.Random(7)
    now = utcnow()
    people = []
    for m in range(MANAGERS):
        people.append(
            {
                "id": m + 1,
                "slack_id": f"UM{m:04d}",
                "name": f"Manager {m}",
                "role": "manager",
                "manager_id": None,
                "tz_override": ZONES[m % len(ZONES)],
            }
        )
    reps = []
    for m in range(MANAGERS):
        for r in range(REPS_PER_MANAGER):
            rep_id = f"UR{m:02d}{r:02d}"
            reps.append(rep_id)
            people.append(
                {
                    "id": len(people) + 1,
                    "slack_id": rep_id,
                    "name": f"Rep {m}-{r}",
                    "role": "rep",
                    "manager_id": m + 1,
                    "tz_override": ZONES[(m + r) % len(ZONES)],
                }
            )
    campaigns = [
        {"id": c + 1, "code": f"camp{c}", "name": f"Campaign {c}"} for c in range(CAMPAIGNS)
    ]
    leads, alerts = [], []
    for n in range(LEADS):
        received = now - timedelta(minutes=rng.randint(1, 28 * 24 * 60))
        hot = rng.random() < 0.25
        touched = rng.random() < 0.3
        owner = rng.choice(reps)
        leads.append(
            {
                "id": n + 1,
                "external_id": f"bench-{n}",
                "name": f"Lead {n}",
                "company": f"Company {n % 997}",
                "score": rng.randint(0, 100),
                "hot": hot,
                "owner_id": owner,
                "campaign_id": rng.randint(1, CAMPAIGNS) if rng.random() < 0.8 else None,
                "received_at": received,
                "status": "claimed" if touched else "new",
                "first_touched_at": received + timedelta(minutes=rng.randint(1, 600))
                if touched
                else None,
                "extra": {},
            }
        )
        if hot:
            alerts.append(
                {
                    "key": f"lead:{n + 1}:alert:{owner}",
                    "channel": "D" + owner[1:],
                    "ts": f"{int(received.timestamp())}.{n:06d}",
                }
            )
    with db.engine.begin() as conn:
        conn.execute(insert(Person), people)
        conn.execute(insert(Campaign), campaigns)
    for start in range(0, LEADS, CHUNK):
        with db.engine.begin() as conn:
            conn.execute(insert(Lead), leads[start : start + CHUNK])
    with db.engine.begin() as conn:
        conn.execute(insert(SlackMessage), alerts)


def build_all(parts: Parts) -> int:
    now = utcnow()
    blocks = 0
    for digest in build_digests(parts, now=now):
        message = render_digest(digest, parts.settings)
        blocks += len(message.blocks) if message else 0
    return blocks


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'digest-bench.db'}"
        settings = load_settings({"DATABASE_URL": url, "WORKING_HOURS": "Mon-Fri 08:00-18:00"})
        db = Database(url)
        db.upgrade()
        started = time.perf_counter()
        seed(db)
        seeded = time.perf_counter() - started
        parts = Parts(settings, db, SlackDirectory(db, None, default_tz="UTC"))
        build_all(parts)  # warm up: imports, template compilation, SQLite page cache
        gc.collect()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            blocks = build_all(parts)
            runs.append(time.perf_counter() - started)
        rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
        tracemalloc.start()
        build_all(parts)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        db.dispose()
    print(f"Manager digests on SQLite: {LEADS:,} open leads, {MANAGERS * REPS_PER_MANAGER} reps,")
    print(f"{MANAGERS} managers (seeded in {seeded:.1f} s; {blocks} blocks in all digests)")
    print(
        f"  build + render all digests: {statistics.median(runs):6.3f} s median "
        f"(target < 3 s)   runs: {', '.join(f'{r:.3f}' for r in runs)}"
    )
    print(f"  peak memory (tracemalloc):  {peak / 2**20:6.1f} MB   (target < 300 MB)")
    print(f"  max RSS growth over 3 runs: {rss_growth / 1024:6.1f} MB")


if __name__ == "__main__":
    main()
