"""Latency from an accepted hot lead to its DM alert reaching Slack, at 50 leads per second.

`python app.py` runs as a real process on SQLite against the fake Slack Web API served from
this process (it records the arrival time `at` of every call). Hot leads, each owned by one
of 100 reps on the roster (so each DM channel gets a lead every 2 s, inside Slack's one post
per second per channel, which the app honours: CHANNEL_POST_INTERVAL is left at 1s), are
POSTed to `/leads` one per request at a steady 50 per second for 20 seconds by 8 keep-alive
clients. For each lead the latency is the time from its 202 answer to the arrival at the fake
Slack of the `chat.postMessage` carrying its alert (a DM can land a hair before the client has
read the 202; that counts as 0). Prints p50, p95, p99 and max. Target from the issue:
p95 < 250 ms.
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

from bot.db import Database
from bot.people import import_roster
from bot.signing import sign_body
from tests.support.app_process import AppProcess, app_env
from tests.support.fake_slack_server import FakeSlackServer

RATE = 50
SECONDS = 20
REPS = 100
CLIENTS = 8


def rep_id(n: int) -> str:
    return f"UBENCH{n:03d}"


def seed(url: str, slack: FakeSlackServer) -> None:
    lines = ["slack_id,email,name,role,manager,tz", "UBOSS,boss@example.com,Bo Boss,manager,,UTC"]
    for n in range(REPS):
        lines.append(f"{rep_id(n)},rep{n}@example.com,Rep {n},rep,UBOSS,UTC")
        slack.fake.add_user(rep_id(n), f"Rep {n}", email=f"rep{n}@example.com", tz="UTC")
    db = Database(url)
    db.upgrade()
    with db.session() as session:
        import_roster(session, "\n".join(lines) + "\n")
    db.dispose()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    total = RATE * SECONDS
    with tempfile.TemporaryDirectory() as tmp, FakeSlackServer() as slack:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'latency.db'}"
        seed(url, slack)
        env = app_env(slack.url, url, LOG_LEVEL="ERROR", CHANNEL_POST_INTERVAL="1s")
        with AppProcess(env, folder) as app:
            secret = app.env["LEADS_WEBHOOK_SECRET"]
            clients = [httpx.Client(base_url=app.url, timeout=10) for _ in range(CLIENTS)]
            accepted: dict[str, float] = {}

            def send(n: int) -> None:
                name = f"Bench Lead {n:05d}"
                lead = {"id": f"lat-{n}", "name": name, "score": 95, "owner": rep_id(n % REPS)}
                body = json.dumps(lead).encode()
                headers = {"x-handoff-signature": sign_body(secret, body)}
                response = clients[n % CLIENTS].post("/leads", content=body, headers=headers)
                assert response.status_code == 202, response.text
                accepted[name] = time.time()

            started = time.perf_counter()
            with ThreadPoolExecutor(CLIENTS * 2) as pool:
                for n in range(total):
                    delay = started + n / RATE - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                    pool.submit(send, n)
            sent_for = time.perf_counter() - started
            deadline = time.monotonic() + 30
            arrived: dict[str, float] = {}
            while len(arrived) < total and time.monotonic() < deadline:
                for call in slack.fake.calls:
                    text = call["args"].get("text") or ""
                    if call["method"] == "chat.postMessage" and call["status"] == 200:
                        for name in accepted.keys() - arrived.keys():
                            if name in text:
                                arrived[name] = call["at"]
                                break
                time.sleep(0.2)
            for client in clients:
                client.close()

    latencies = [max(0.0, arrived[n] - accepted[n]) * 1000 for n in arrived]
    print(f"Hot lead -> DM alert at the fake Slack, {RATE} leads/s for {SECONDS} s on SQLite")
    print(f"  leads sent: {total} in {sent_for:.1f} s; alerts arrived: {len(arrived)}")
    if latencies:
        p50, p95, p99 = (percentile(latencies, share) for share in (0.50, 0.95, 0.99))
        print(
            f"  p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   p99 {p99:6.1f} ms"
            f"   max {max(latencies):6.1f} ms   mean {statistics.mean(latencies):6.1f} ms"
            "   (target p95 < 250 ms)"
        )


if __name__ == "__main__":
    main()
