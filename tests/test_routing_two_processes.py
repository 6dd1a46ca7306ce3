"""Round robin is race-safe: two `python app.py` processes on one PostgreSQL database, fed
200 owner-less hot leads at once (100 each, from two threads), give 4 equal reps 50 ± 1 each."""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import func, select

from bot.db import Database
from bot.models import Lead, RoutingDecision
from bot.people import import_roster
from bot.signing import sign_body
from tests.support.app_process import AppProcess, app_env
from tests.support.databases import postgres_database
from tests.support.fake_slack_server import FakeSlackServer

REPS = ("UR0000001", "UR0000002", "UR0000003", "UR0000004")
ROSTER = "slack_id,email,name,role,manager,tz\n" + "".join(
    f"{rep},{rep.lower()}@example.com,Rep {n},rep,,UTC\n" for n, rep in enumerate(REPS)
)


def post_leads(app: AppProcess, prefix: str, count: int, errors: list[str]) -> None:
    with httpx.Client(timeout=30) as client:
        for n in range(count):
            body = json.dumps({"id": f"{prefix}-{n}", "name": f"Lead {n}", "score": 95}).encode()
            headers = {"x-handoff-signature": sign_body(app.env["LEADS_WEBHOOK_SECRET"], body)}
            response = client.post(f"{app.url}/leads", content=body, headers=headers)
            if response.status_code != 202:
                errors.append(response.text)


def test_two_processes_share_200_leads_among_4_reps_fairly(tmp_path: Path) -> None:
    with postgres_database() as url, FakeSlackServer() as slack:
        slack.fake.add_channel("CSALES", "sales")
        slack.fake.add_channel("CMARKETING", "marketing")
        db = Database(url)
        db.upgrade()
        with db.session() as session:
            import_roster(session, ROSTER)
        env = app_env(slack.url, url, ROUTING="round_robin", MAX_OPEN_HOT_LEADS="1000")
        errors: list[str] = []
        with AppProcess(env, tmp_path) as first, AppProcess(env, tmp_path) as second:
            threads = [
                threading.Thread(target=post_leads, args=(app, name, 100, errors))
                for app, name in ((first, "a"), (second, "b"))
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            for app in (first, second):
                assert "Traceback" not in app.output()
        assert errors == []
        try:
            with db.session() as session:
                owners = Counter(
                    dict(
                        session.execute(
                            select(Lead.owner_id, func.count()).group_by(Lead.owner_id)
                        ).all()
                    )
                )
                decisions = session.scalar(select(func.count()).select_from(RoutingDecision))
        finally:
            db.dispose()
        assert set(owners) == set(REPS), owners
        assert all(49 <= owners[rep] <= 51 for rep in REPS), owners
        assert decisions == 200
