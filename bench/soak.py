"""Soak: hot leads at a steady rate for a long while, through a flaky Slack and crashing processes;
every accepted lead must get exactly one alert.

Two `python app.py` processes share one fresh PostgreSQL database (TEST_DATABASE_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/test) and talk to the fake Slack Web API served
from this process, which fails about 5% of calls: 2% answer 429 with `Retry-After: 1`, 2% 503,
and 1% take effect but answer after 11 s, past the client's 10-second timeout (so Handoff cannot
know whether a post landed). Hot leads, each owned by one of 100 reps, are POSTed at `--rate`
a second, alternating between the processes; a request that fails (its process was just killed)
is sent again to the other one, as a CRM retries. Every `--kill-every` seconds each process is
killed with SIGKILL and started again (staggered: one of them every half period).

After the last lead it waits for the outbox to drain, then prints leads accepted, alerts
expected and sent, duplicates and losses (both must be 0: exit 1 otherwise), and p50/p95 of the
time from a lead's 202 to its alert arriving at the fake Slack.

    python bench/soak.py                 # 10 minutes at 20 leads/s, a kill every 2 minutes
    python bench/soak.py --seconds 60 --kill-every 20    # what the test suite runs
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.db import Database
from bot.models import Lead, OutboxMessage
from bot.people import import_roster
from bot.signing import sign_body
from bot.states import OutboxStatus
from sandbox.fakeslack import FakeSlack
from sandbox.fakeslack.faults import failure_reply
from sandbox.fakeslack.models import JsonDict, Reply
from tests.support.app_process import AppProcess, app_env
from tests.support.databases import postgres_database
from tests.support.fake_slack_server import FakeSlackServer

REPS = 100
CLIENTS = 8
NAME = "Soak Lead {:06d}"
FOUND = re.compile(r"Soak Lead (\d{6})")
SPARED = {"auth.test"}  # the start-up check: the app starts anyway, but it would only add noise
RETRY_FOR = 60.0  # seconds a CRM keeps retrying one lead


class ChaosSlack(FakeSlack):
    """The fake Slack, failing a share of calls at random (see the module docstring)."""

    def __init__(self, *, rate_limited: float, unavailable: float, slow: float, seed: int):
        super().__init__()
        self.shares = (rate_limited, unavailable, slow)
        self.rng = random.Random(seed)
        self.rng_lock = threading.Lock()
        self.chaos = Counter[str]()
        self.enabled = False

    def _roll(self) -> float:
        with self.rng_lock:
            return self.rng.random()

    def take_delay(self, method: str) -> float:
        if self.enabled and method not in SPARED and self._roll() < self.shares[2]:
            self.chaos["slow"] += 1
            return 11.0
        return super().take_delay(method)

    def handle(self, method: str, args: JsonDict, token: str | None = None) -> Reply:
        if self.enabled and method not in SPARED:
            roll = self._roll()
            status = 429 if roll < self.shares[0] else 503 if roll < sum(self.shares[:2]) else 0
            if status:
                self.chaos[str(status)] += 1
                reply = failure_reply(status, "1" if status == 429 else None)
                self._log.record(method, dict(args), reply.status, token)
                return reply
        return super().handle(method, args, token)


@dataclass
class SoakResult:
    seconds: float
    rate: float
    kill_every: float
    offered: int = 0
    accepted: dict[int, float] = field(default_factory=dict)  # lead -> time of its first 202
    alerts: Counter[int] = field(default_factory=Counter)  # lead -> top-level posts about it
    first_alert: dict[int, float] = field(default_factory=dict)
    queued: set[int] = field(default_factory=set)  # leads whose alert is in the outbox
    kills: int = 0
    calls: int = 0
    chaos: Counter[str] = field(default_factory=Counter)
    drained_in: float | None = None

    @property
    def sent(self) -> int:
        return sum(1 for lead in self.accepted if self.alerts[lead])

    @property
    def duplicates(self) -> int:
        return sum(count - 1 for count in self.alerts.values() if count > 1)

    @property
    def losses(self) -> int:
        """Accepted leads with no alert in Slack when the run ended."""
        return len(self.accepted) - self.sent

    @property
    def late(self) -> int:
        """Of the losses, those whose alert is still queued in the outbox (not yet sent when
        the drain timed out); the rest were never queued at all."""
        return sum(1 for lead in self.accepted if not self.alerts[lead] and lead in self.queued)

    def latencies(self) -> list[float]:
        return sorted(
            max(0.0, self.first_alert[lead] - at)
            for lead, at in self.accepted.items()
            if lead in self.first_alert
        )

    def report(self) -> list[str]:
        latencies = self.latencies()
        failed = sum(self.chaos.values())
        lines = [
            f"Soak: {self.seconds:.0f} s at {self.rate:g} leads/s, PostgreSQL, 2 processes, each "
            f"killed (SIGKILL) and restarted every {self.kill_every:g} s",
            f"  fake Slack: {self.calls} calls, {failed} failed on purpose "
            f"({100 * failed / max(1, self.calls):.1f}%: {self.chaos['429']} x 429 + Retry-After, "
            f"{self.chaos['503']} x 503, {self.chaos['slow']} x answered after 11 s)",
            f"  kills: {self.kills}",
            f"  leads offered: {self.offered}   accepted: {len(self.accepted)}",
            f"  alerts expected: {len(self.accepted)}   sent: {self.sent}   "
            f"duplicates: {self.duplicates}   losses: {self.losses}"
            + (
                f" ({self.late} still queued in the outbox, {self.losses - self.late} never queued)"
                if self.losses
                else ""
            ),
        ]
        if latencies:
            p50 = latencies[len(latencies) // 2]
            p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
            lines.append(
                f"  lead -> alert: p50 {p50:.2f} s   p95 {p95:.2f} s   max {latencies[-1]:.2f} s"
            )
        drained = f"{self.drained_in:.1f} s" if self.drained_in is not None else "not drained"
        lines.append(f"  outbox drained {drained} after the last lead")
        return lines


def rep_id(n: int) -> str:
    return f"USOAK{n:03d}"


def seed(url: str, fake: FakeSlack) -> None:
    lines = ["slack_id,email,name,role,manager,tz", "USOAKBOSS,boss@example.com,Bo,manager,,UTC"]
    for n in range(REPS):
        lines.append(f"{rep_id(n)},soak{n}@example.com,Rep {n},rep,USOAKBOSS,UTC")
        fake.add_user(rep_id(n), f"Rep {n}", email=f"soak{n}@example.com", tz="UTC")
    db = Database(url)
    db.upgrade()
    with db.session() as session:
        import_roster(session, "\n".join(lines) + "\n")
    db.dispose()


def queued_alerts(url: str) -> set[int]:
    """The leads (by their number) that have an alert row in the outbox, in any state."""
    db = Database(url)
    try:
        with db.session() as session:
            numbers = {row[0]: row[1] for row in session.execute(select(Lead.id, Lead.external_id))}
            keys = session.scalars(
                select(OutboxMessage.key).where(OutboxMessage.key.like("lead:%:alert:%"))
            ).all()
    finally:
        db.dispose()
    return {int(numbers[int(str(key).split(":")[1])].split("-")[1]) for key in keys}


def pending(url: str) -> int:
    db = Database(url)
    try:
        with db.session() as session:
            return (
                session.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.status == OutboxStatus.PENDING)
                )
                or 0
            )
    finally:
        db.dispose()


def soak(
    *,
    seconds: float,
    rate: float = 20,
    kill_every: float = 120,
    drain_timeout: float = 300,
    seed_value: int = 16,
) -> SoakResult:
    result = SoakResult(seconds, rate, kill_every)
    fake = ChaosSlack(rate_limited=0.02, unavailable=0.02, slow=0.01, seed=seed_value)
    with (
        tempfile.TemporaryDirectory() as tmp,
        postgres_database() as url,
        FakeSlackServer(fake) as slack,
    ):
        seed(url, fake)
        # One alert DM per lead is what the soak counts, so bursts are not folded (ALERT_BURST=0;
        # 20 leads/s over 100 reps would fold past 5 a minute; folding has its own scenarios).
        env = app_env(
            slack.url, url, LOG_LEVEL="WARNING", CHANNEL_POST_INTERVAL="1s", ALERT_BURST="0"
        )
        apps = [AppProcess(env, Path(tmp)).start(), AppProcess(env, Path(tmp)).start()]
        secret = env["LEADS_WEBHOOK_SECRET"]
        fake.enabled = True
        stop = threading.Event()
        lock = threading.Lock()

        def killer() -> None:
            which = 0
            while not stop.wait(kill_every / 2):
                apps[which].kill()
                result.kills += 1
                apps[which].start()
                which = 1 - which

        clients = [httpx.Client(timeout=10) for _ in range(CLIENTS)]

        def send(n: int) -> None:
            lead = {"id": f"soak-{n}", "name": NAME.format(n), "score": 95}
            lead["owner"] = rep_id(n % REPS)
            body = json.dumps(lead).encode()
            headers = {"x-handoff-signature": sign_body(secret, body)}
            client = clients[n % CLIENTS]
            deadline = time.monotonic() + RETRY_FOR
            attempt = n
            while time.monotonic() < deadline:
                app = apps[attempt % 2]
                try:
                    answer = client.post(f"{app.url}/leads", content=body, headers=headers)
                    if answer.status_code == 202:
                        with lock:
                            result.accepted.setdefault(n, time.time())
                        return
                except httpx.HTTPError:
                    pass
                attempt += 1
                time.sleep(0.2)

        kill_thread = threading.Thread(target=killer, daemon=True)
        kill_thread.start()
        total = int(seconds * rate)
        started = time.perf_counter()
        with ThreadPoolExecutor(CLIENTS * 4) as pool:
            for n in range(total):
                delay = started + n / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(send, n)
                result.offered += 1
        stop.set()
        kill_thread.join()
        for client in clients:
            client.close()
        for app in apps:  # a process killed last may still be starting: make sure
            if app.process is None or app.process.poll() is not None:
                app.start()
        last_lead = time.monotonic()
        while time.monotonic() - last_lead < drain_timeout:
            if pending(url) == 0:
                result.drained_in = time.monotonic() - last_lead
                break
            time.sleep(1)
        time.sleep(12)  # answers held back past the timeout have all come in
        fake.enabled = False
        for app in apps:
            app.stop()
        collect(fake, result)
        try:
            result.queued = queued_alerts(url)
        except Exception as exc:  # the figures above still count
            print(f"could not read the outbox's alerts: {type(exc).__name__}", file=sys.stderr)
    return result


def collect(fake: FakeSlack, result: SoakResult) -> None:
    for message in fake.messages:
        if message.thread_ts is None and (found := FOUND.search(message.text)):
            result.alerts[int(found.group(1))] += 1
    calls: list[dict[str, Any]] = fake.calls
    result.calls = len(calls)
    result.chaos = Counter(getattr(fake, "chaos", {}))
    for call in calls:
        if call["method"] == "chat.postMessage" and call["status"] == 200:
            found = FOUND.search(str(call["args"].get("text") or ""))
            if found:
                lead = int(found.group(1))
                at = float(call["at"])
                result.first_alert[lead] = min(result.first_alert.get(lead, at), at)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=600, help="how long to send leads")
    parser.add_argument("--rate", type=float, default=20, help="leads a second")
    parser.add_argument("--kill-every", type=float, default=120, help="seconds between kills")
    parser.add_argument(
        "--drain",
        type=float,
        default=300,
        help="seconds to wait for the outbox after the last lead",
    )
    args = parser.parse_args()
    os.environ.setdefault("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    result = soak(
        seconds=args.seconds, rate=args.rate, kill_every=args.kill_every, drain_timeout=args.drain
    )
    for line in result.report():
        print(line)
    return 1 if result.duplicates or result.losses else 0


if __name__ == "__main__":
    sys.exit(main())
