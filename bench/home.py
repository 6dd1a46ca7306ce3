"""Building a manager's App Home on SQLite: 50 reps, 2,000 open leads.

Seeds a temporary SQLite file with SQLAlchemy Core (one manager, 50 reps in three time zones,
2,000 open leads over two weeks, half of them hot and most of those past the SLA, alerts for
the hot ones, 10 campaigns, feedback), then builds and renders the manager's Home exactly as
a publish does (queries, working-time SLA maths, Jinja, Block Kit validation), without
sending. Checks the view is valid and within 100 blocks, and prints the median of 25 builds
against a same-run baseline: the manager's on-demand digest (`/leads stale`) over the same
team. Target from the issue: < 200 ms.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from bot.blockkit import MAX_VIEW_BLOCKS, validate_blocks
from bot.config import load_settings
from bot.db import Database
from bot.digest import stale_leads_for
from bot.digest.parts import Parts
from bot.home import home_view
from bot.models import Campaign, Feedback, Lead, Person, SlackMessage, SlackUser, utcnow
from bot.people import SlackDirectory

REPS = 50
LEADS = 2_000
CAMPAIGNS = 10
FEEDBACK = 300
RUNS = 25
ZONES = ["America/New_York", "Europe/Berlin", "Asia/Kolkata"]
MANAGER = "UMGR0001"


def seed(db: Database) -> None:
    rng = random.Random(15)
    now = utcnow()
    people: list[dict[str, Any]] = [
        {
            "id": 1,
            "slack_id": MANAGER,
            "name": "Maria Manager",
            "role": "manager",
            "manager_id": None,
            "tz_override": None,
        },
        *(
            {
                "id": r + 2,
                "slack_id": f"UREP{r:04d}",
                "name": f"Rep {r}",
                "role": "rep",
                "manager_id": 1,
                "tz_override": ZONES[r % len(ZONES)],
            }
            for r in range(REPS)
        ),
    ]
    users = [{"slack_id": p["slack_id"], "name": p["name"], "tz": "UTC"} for p in people]
    campaigns = [
        {"id": c + 1, "code": f"camp{c}", "name": f"Campaign {c}", "created_by": "UMKT"}
        for c in range(CAMPAIGNS)
    ]
    leads, alerts = [], []
    for n in range(LEADS):
        received = now - timedelta(minutes=rng.randint(1, 14 * 24 * 60))
        hot = rng.random() < 0.5
        owner = f"UREP{rng.randrange(REPS):04d}"
        claimed = rng.random() < 0.2
        leads.append(
            {
                "id": n + 1,
                "external_id": f"bench-{n}",
                "name": f"Lead {n}",
                "company": f"Company {n % 97}",
                "score": rng.randint(0, 100),
                "hot": hot,
                "owner_id": owner,
                "campaign_id": rng.randint(1, CAMPAIGNS) if rng.random() < 0.8 else None,
                "received_at": received,
                "clock_started_at": received if hot else None,
                "ladder_cycle": 1 if hot else 0,
                "status": "claimed" if claimed else "new",
                "first_touched_at": received + timedelta(minutes=5) if claimed else None,
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
    feedback = [
        {
            "author_id": f"UREP{rng.randrange(REPS):04d}",
            "text": f"Customer said thing {f}",
            "tags": rng.sample(["pricing", "competitor", "praise", "feature"], 2),
            "campaign_id": rng.randint(1, CAMPAIGNS),
            "created_at": now - timedelta(hours=rng.randint(1, 400)),
            "kind": "rep",
        }
        for f in range(FEEDBACK)
    ]
    with db.engine.begin() as conn:
        conn.execute(insert(Person), people)
        conn.execute(insert(SlackUser), users)
        conn.execute(insert(Campaign), campaigns)
        conn.execute(insert(Lead), leads)
        conn.execute(insert(SlackMessage), alerts)
        conn.execute(insert(Feedback), feedback)


def median_ms(work: Callable[[], object]) -> tuple[float, list[float]]:
    work()  # warm up: imports, template compilation, SQLite page cache
    runs = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs), runs


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'home-bench.db'}"
        settings = load_settings({"DATABASE_URL": url, "WORKING_HOURS": "Mon-Fri 08:00-18:00"})
        db = Database(url)
        db.upgrade()
        seed(db)
        views: list[dict] = []

        def build_home() -> None:
            with db.read_session() as session:
                views.append(home_view(session, MANAGER, settings=settings))

        parts = Parts(settings, db, SlackDirectory(db, None, default_tz="UTC"))
        home, home_runs = median_ms(build_home)
        digest, _ = median_ms(lambda: stale_leads_for(parts, MANAGER))
        db.dispose()
    view = views[-1]
    validate_blocks(view["blocks"], MAX_VIEW_BLOCKS)
    print(f"A manager's App Home on SQLite: {REPS} reps, {LEADS:,} open leads")
    print(f"  blocks: {len(view['blocks'])} (limit {MAX_VIEW_BLOCKS}), valid")
    print(
        f"  build + render the Home:             {home:6.1f} ms median of {RUNS} "
        f"(target < 200 ms; min {min(home_runs):.1f}, max {max(home_runs):.1f})"
    )
    print(f"  baseline, /leads stale (same team):  {digest:6.1f} ms median of {RUNS}")


if __name__ == "__main__":
    main()
