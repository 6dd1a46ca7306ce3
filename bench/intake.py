"""Lead intake throughput on SQLite, through the real HTTP endpoint of `python app.py`.

Prints: single-lead POSTs per second (8 keep-alive clients, signed), leads per second in
500-lead batches, and the ratio of the batched rate to a bare SQLAlchemy Core insert of the
same rows into the same table (the floor any ORM-level intake sits on). Median of 3 runs each.
Targets: >= 300 single POSTs/s, >= 2,000 leads/s batched (an earlier issue), and batched
intake at least 0.3x the bare Core insert measured in the same run (issue 17).
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from bot.db import Database
from bot.models import Lead, utcnow
from bot.signing import sign_body
from tests.support.app_process import AppProcess, app_env
from tests.support.fake_slack_server import FakeSlackServer

SINGLE_POSTS = 1500
BATCHES = 10
CLIENTS = 8


def lead(prefix: str, n: int) -> dict:
    return {
        "id": f"{prefix}-{n}",
        "name": f"Lead {n}",
        "email": f"lead{n}@example.com",
        "company": "Acme",
        "score": n % 70,  # cold: measures intake, not alerting
        "campaign": "spring",
        "source": "bench",
    }


def single_rate(app: AppProcess, run: int) -> float:
    secret = app.env["LEADS_WEBHOOK_SECRET"]
    bodies = [json.dumps(lead(f"s{run}", n)).encode() for n in range(SINGLE_POSTS)]
    clients = [httpx.Client(base_url=app.url) for _ in range(CLIENTS)]

    def send(index: int) -> int:
        body = bodies[index]
        client = clients[index % CLIENTS]
        headers = {"x-handoff-signature": sign_body(secret, body)}
        return client.post("/leads", content=body, headers=headers).status_code

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = list(pool.map(send, range(SINGLE_POSTS)))
    elapsed = time.perf_counter() - started
    assert set(statuses) == {202}, set(statuses)
    for client in clients:
        client.close()
    return SINGLE_POSTS / elapsed


def batch_rate(app: AppProcess, run: int) -> float:
    secret = app.env["LEADS_WEBHOOK_SECRET"]
    bodies = [
        json.dumps([lead(f"b{run}-{b}", n) for n in range(500)]).encode() for b in range(BATCHES)
    ]
    with httpx.Client(base_url=app.url, timeout=60) as client:
        started = time.perf_counter()
        for body in bodies:
            response = client.post(
                "/leads", content=body, headers={"x-handoff-signature": sign_body(secret, body)}
            )
            assert response.status_code == 202, response.text
        elapsed = time.perf_counter() - started
    return BATCHES * 500 / elapsed


def core_rate(folder: Path, run: int) -> float:
    db = Database(f"sqlite:///{folder / f'core-{run}.db'}")
    db.upgrade()
    now = utcnow()
    rows = [
        {
            "external_id": f"c{run}-{b}-{n}",
            "name": f"Lead {n}",
            "email": f"lead{n}@example.com",
            "company": "Acme",
            "score": n % 70,
            "hot": False,
            "campaign_code": "spring",
            "source": "bench",
            "extra": {},
            "created_at": now,
            "received_at": now,
            "updated_at": now,
            "status": "new",
            "ladder_step": 0,
        }
        for b in range(BATCHES)
        for n in range(500)
    ]
    started = time.perf_counter()
    for b in range(BATCHES):
        with db.engine.begin() as conn:
            conn.execute(insert(Lead), rows[b * 500 : (b + 1) * 500])
    elapsed = time.perf_counter() - started
    db.dispose()
    return len(rows) / elapsed


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, FakeSlackServer() as slack:
        folder = Path(tmp)
        env = app_env(slack.url, f"sqlite:///{folder / 'bench.db'}", LOG_LEVEL="ERROR")
        with AppProcess(env, folder) as app:
            singles = [single_rate(app, run) for run in range(3)]
            batches = [batch_rate(app, run) for run in range(3)]
        cores = [core_rate(folder, run) for run in range(3)]
    single, batch, core = (statistics.median(x) for x in (singles, batches, cores))
    print("Lead intake on SQLite (median of 3 runs)")
    print(f"  single-lead POSTs:      {single:8.0f} /s   (target >= 300)  runs: {_fmt(singles)}")
    print(f"  500-lead batches:       {batch:8.0f} leads/s (target >= 2000) runs: {_fmt(batches)}")
    print(f"  bare Core insert:       {core:8.0f} rows/s  runs: {_fmt(cores)}")
    print(f"  batched / bare Core:    {batch / core:8.2f}   (target >= 0.30)")


def _fmt(values: list[float]) -> str:
    return ", ".join(f"{v:.0f}" for v in values)


if __name__ == "__main__":
    main()
