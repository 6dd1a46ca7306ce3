"""Where a slash command's ack spends its time: pyinstrument over the request path.

    .venv/bin/python bench/profile_ack.py [sqlite|postgres] [/feedback|/campaign] [--load]

Builds the whole app in this process (SQLite file or a fresh PostgreSQL database, the fake
Slack served from a thread) and sends N signed slash commands one after another through the
same steps as `POST /slack/events` after the signature check (`handlers.http`: the replay
check, then `App.dispatch`), on this thread under pyinstrument, which samples only this
thread: what it shows is the wall-clock time of the ack path (waits included), not the work
other threads do meanwhile. With `--load`, a thread stores 200 leads a second (a quarter hot)
meanwhile. Prints pyinstrument's text report.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ack_tails import command_body, database
from feedback_ack import SECRET
from pyinstrument import Profiler
from slack_bolt import BoltRequest

from bot.config import load_settings
from bot.leads.validate import parse_batch
from bot.services import Handoff
from handlers import build_bolt_app, respond
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.slack_requests import slack_headers
from tests.support.team import seed_team

N = 300


def main(kind: str, command: str, load: bool) -> None:
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_SIGNING_SECRET": "test-signing-secret",
            "SALES_CHANNEL": "CSALES",
            "MARKETING_CHANNEL": "CMARKETING",
            "LEADS_WEBHOOK_SECRET": "test-webhook-secret-0123456789",
            "WORKING_HOURS": "always",
            "CHANNEL_POST_INTERVAL": "0s",
            "LOG_LEVEL": "ERROR",
        }
    )
    with tempfile.TemporaryDirectory() as tmp, FakeSlackServer() as slack:
        slack.fake.add_channel("CSALES", "sales")
        slack.fake.add_channel("CMARKETING", "marketing")
        with database(kind, Path(tmp)) as url:
            handoff = Handoff.build(replace(settings, slack_api_url=slack.url, database_url=url))
            handoff.db.upgrade()
            seed_team(handoff.db, slack.fake)
            handoff.start()
            bolt = build_bolt_app(handoff)
            seen = bolt._handoff_seen_signatures  # type: ignore[attr-defined]
            stop = threading.Event()
            loader = threading.Thread(target=_load, args=(handoff, stop), daemon=True)
            if load:
                loader.start()
            profiler = Profiler(interval=0.0005)
            for warm in (True, False):
                if not warm:
                    profiler.start()
                for n in range(30 if warm else N):
                    body = command_body(command, n, f"{slack.base_url}/response/p-{n}")
                    headers: dict[str, str | Sequence[str]] = {**slack_headers(SECRET, body)}
                    request = BoltRequest(body=body, headers=headers)
                    seen.first_time(str(headers["x-slack-signature"]))
                    respond.install(request.context, bolt)
                    bolt.dispatch(request)
            profiler.stop()
            stop.set()
            if load:
                loader.join(10)
            handoff.stop()
            handoff.db.dispose()
    print(profiler.output_text(unicode=False, color=False, show_all=False))


def _load(handoff: Handoff, stop: threading.Event) -> None:
    batch = 0
    started = time.perf_counter()
    while not stop.is_set():
        leads = parse_batch(
            [
                {
                    "id": f"load-{batch}-{n}",
                    "name": f"Load Lead {n}",
                    "score": 95 if n % 4 == 0 else 40,
                    "owner": ("UREP1", "UREP2", "UREP3", "UMGR1")[n % 4],
                }
                for n in range(20)
            ]
        )
        handoff.receive_leads(leads)
        batch += 1
        delay = started + batch * 0.1 - time.perf_counter()
        if delay > 0:
            time.sleep(delay)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(
        args[0] if args else "sqlite",
        args[1] if len(args) > 1 else "/feedback",
        "--load" in sys.argv,
    )
