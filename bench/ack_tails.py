"""Ack tails of `/feedback` and `/campaign`, idle and while `/leads` takes 200 leads/s, against
the floor: a bare Bolt `AsyncApp` with one ack-only listener per command under
Starlette/uvicorn, measured in the same run.

    .venv/bin/python bench/ack_tails.py [sqlite|postgres] [RUNS]

Each run starts, as processes of their own: the fake Slack Web API (`--fake-slack`),
`python app.py` (on a fresh SQLite file, or a fresh PostgreSQL database made from
BENCH_DATABASE_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/postgres), the bare
AsyncApp (`--bare`) and, for the loaded figures, a lead sender (`--load`: 20-lead batches of
leads, a quarter of them hot, POSTed 10 times a second). This process only sends the signed
slash commands and times them: ROUNDS rounds of CONCURRENCY requests released together, after
WARMUP rounds that are not counted; a request's latency is the time to its HTTP answer (the
ack). Each figure, idle or loaded, starts once the app's outbox is empty (what the previous
figure queued has been sent), and each loaded figure has a load of its own, started 2 s
before it. The bare app freezes its start-up objects out of the collector's way
(`gc.freeze()`), as Handoff's server does, and is measured idle (the floor) in the same run.
Prints each run's p50/p99 and the median over the runs, beside the target (p99 at most
1.5x the bare app's).
Figures only; no assertions.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import feedback_ack
from feedback_ack import CONCURRENCY, SECRET, measure, percentile, stop

from bot.db import Database
from bot.outbox import pending_count
from bot.signing import sign_body
from tests.support.app_process import AppProcess, app_env
from tests.support.team import seed_team

ROUNDS = 10
RUNS = 3
LOAD_RATE = 200  # leads per second while loaded
LOAD_BATCH = 20
TARGET = 1.5
COMMANDS = {
    "/feedback": (
        "#pricing Too expensive for a team of 10",
        "Loved the webinar #praise, wants the recording",
    ),
    "/campaign": ("list", "help"),
}


def command_body(command: str, n: int, response_url: str) -> str:
    user = ("UREP1", "UREP2", "UREP3", "UMGR1")[n % 4]
    texts = COMMANDS[command]
    return urlencode(
        {
            "token": "legacy",
            "team_id": "T0001",
            "team_domain": "acme",
            "channel_id": "CSALES",
            "channel_name": "sales",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": texts[n % len(texts)],
            "api_app_id": "A0001",
            "response_url": response_url,
            "trigger_id": f"trig.bench.{n}",
        }
    )


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'ack-{uuid.uuid4().hex[:6]}.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = os.environ.get(
        "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    name = f"handoff_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def timed(url: str, slack_url: str, command: str, rounds: int) -> list[float]:
    original = feedback_ack.command_body
    feedback_ack.command_body = lambda n, response_url: command_body(command, n, response_url)
    try:
        return measure(url, lambda n: f"{slack_url}/response/bench-{n}", rounds)
    finally:
        feedback_ack.command_body = original


def start_process(*args: str) -> tuple[subprocess.Popen[bytes], str]:
    """`python bench/ack_tails.py ARGS PORT`, once it accepts HTTP requests."""
    from tests.support.running_app import free_socket

    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    process = subprocess.Popen(
        [sys.executable, __file__, args[0], str(port), *args[1:]],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(url, timeout=1)
            return process, url
        except httpx.HTTPError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError(f"{args[0]} did not start") from None
            time.sleep(0.1)


def one_run(kind: str, slack_url: str, folder: Path, rounds: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {}
    bare, bare_url = start_process("--bare", f"{slack_url}/api/")
    try:
        for command in COMMANDS:
            results[f"bare {command}"] = timed(bare_url, slack_url, command, rounds)
    finally:
        stop(bare)
    with database(kind, folder) as url:
        db = Database(url)
        db.upgrade()
        seed_team(db)
        db.dispose()
        env = app_env(f"{slack_url}/api/", url, LOG_LEVEL="ERROR")
        with AppProcess(env, folder) as app:
            try:
                measure_app(app, results, slack_url, rounds, env)
            except Exception:
                print(f"the app's log ends: {app.output()[-3000:]}")
                raise
    return results


def measure_app(
    app: AppProcess,
    results: dict[str, list[float]],
    slack_url: str,
    rounds: int,
    env: dict[str, str],
) -> None:
    for command in COMMANDS:
        settle(env["DATABASE_URL"])
        results[f"idle {command}"] = timed(app.url, slack_url, command, rounds)
    # Each loaded figure starts settled too, then under a load of its own: else the second
    # command would be timed while the app still works through the first one's 260 commands.
    for command in COMMANDS:
        settle(env["DATABASE_URL"])
        load = subprocess.Popen(
            [sys.executable, __file__, "--load", app.url, env["LEADS_WEBHOOK_SECRET"]],
            stdout=subprocess.DEVNULL,
        )
        try:
            time.sleep(2)  # the load settles
            results[f"loaded {command}"] = timed(app.url, slack_url, command, rounds)
        finally:
            load.terminate()
            load.wait(10)


def settle(url: str, limit: float = 120.0) -> None:
    """Idle means idle: wait until the app has sent everything the previous figure queued
    (260 `/feedback` posts, permalinks and confirmations), then a second more."""
    db = Database(url)
    deadline = time.monotonic() + limit
    try:
        while time.monotonic() < deadline:
            with db.read_session() as session:
                if pending_count(session) == 0:
                    break
            time.sleep(0.2)
    finally:
        db.dispose()
    time.sleep(1)


def send_load(url: str, secret: str) -> None:
    """POST LOAD_RATE leads a second in LOAD_BATCH-lead batches until terminated."""
    interval = LOAD_BATCH / LOAD_RATE
    reps = ("UREP1", "UREP2", "UREP3", "UMGR1")
    with httpx.Client(base_url=url, timeout=30) as client:
        started, batch = time.perf_counter(), 0
        while True:
            leads = [
                {
                    "id": f"load-{os.getpid()}-{batch}-{n}",
                    "name": f"Load Lead {n}",
                    "company": "Acme",
                    "email": f"load{n}@example.com",
                    "score": 95 if n % 4 == 0 else 40,
                    "owner": reps[n % len(reps)],
                    "source": "bench",
                }
                for n in range(LOAD_BATCH)
            ]
            body = json.dumps(leads).encode()
            client.post(
                "/leads", content=body, headers={"x-handoff-signature": sign_body(secret, body)}
            )
            batch += 1
            delay = started + batch * interval - time.perf_counter()
            if delay > 0:
                time.sleep(delay)


def serve_bare(port: int, slack_url: str) -> None:
    """The floor: a bare `AsyncApp`, one ack-only listener per command, Starlette + uvicorn."""
    import uvicorn
    from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
    from slack_bolt.async_app import AsyncAck, AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    app = AsyncApp(
        signing_secret=SECRET, client=AsyncWebClient(token="xoxb-bench", base_url=slack_url)
    )

    async def ack_only(ack: AsyncAck) -> None:
        await ack()

    for command in COMMANDS:
        app.command(command)(ack_only)
    handler = AsyncSlackRequestHandler(app)

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    async def root(_request: Request) -> Response:
        return Response("ok")

    web = Starlette(routes=[Route("/slack/events", events, methods=["POST"]), Route("/", root)])
    # As Handoff's server does (app.py): else a full collection over the imported libraries
    # (57 ms, measured with a gc callback) lands in one of the bare app's figures at random.
    gc.freeze()
    uvicorn.run(web, host="127.0.0.1", port=port, log_level="warning")


def main(kind: str, runs: int) -> None:
    runs_results: list[dict[str, list[float]]] = []
    slack, slack_url = start_process("--fake-slack")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for _ in range(runs):
                runs_results.append(one_run(kind, slack_url, Path(tmp), ROUNDS))
    finally:
        stop(slack)
    print(
        f"Slash-command ack latency over HTTP on {kind}: {CONCURRENCY} concurrent signed"
        f" requests x {ROUNDS} rounds, {runs} runs; loaded = /leads taking {LOAD_RATE} leads/s"
    )
    print("  figure                      p50 (runs)                 p99 (runs)")
    medians: dict[str, tuple[float, float]] = {}
    for name in runs_results[0]:
        p50s = [percentile(r[name], 0.50) for r in runs_results]
        p99s = [percentile(r[name], 0.99) for r in runs_results]
        medians[name] = (statistics.median(p50s), statistics.median(p99s))
        print(
            f"  {name:<20} {medians[name][0]:7.1f} ms ({_fmt(p50s)})"
            f"   {medians[name][1]:7.1f} ms ({_fmt(p99s)})"
        )
    for command in COMMANDS:
        floor = medians[f"bare {command}"][1]
        for state in ("idle", "loaded"):
            p99 = medians[f"{state} {command}"][1]
            verdict = "meets" if p99 <= TARGET * floor else "misses"
            print(
                f"  {command} {state}: Handoff p99 {p99:.1f} ms = x{p99 / floor:.2f} the bare"
                f" AsyncApp's {floor:.1f} ms (target <= x{TARGET}: {verdict})"
            )


def _fmt(values: list[float]) -> str:
    return ", ".join(f"{v:.0f}" for v in values)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--bare":
        serve_bare(int(sys.argv[2]), sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "--fake-slack":
        from feedback_ack import serve_fake_slack

        serve_fake_slack(int(sys.argv[2]))
    elif len(sys.argv) == 4 and sys.argv[1] == "--load":
        send_load(sys.argv[2], sys.argv[3])
    else:
        args = sys.argv[1:]
        main(args[0] if args else "sqlite", int(args[1]) if len(args) > 1 else RUNS)
