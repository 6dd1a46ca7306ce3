"""Socket Mode acknowledgement time against Slack's 3-second deadline, with HTTP mode as the
same-run baseline.

`python app.py` runs as a real process twice on SQLite against the fake Slack Web API served from
this process: once in Socket Mode (connected to `SocketModeStandIn`, a local stand-in for
Slack's WebSocket), once in HTTP mode. Each gets `COMMANDS` `/feedback` commands, one at a time:
in Socket Mode the time from sending the envelope to its acknowledgement (by `envelope_id`), in
HTTP mode from sending the signed request to its 200. Prints p50, p95 and max of both.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.db import Database
from tests.support.app_process import AppProcess, app_env
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.slack_requests import SlackSender
from tests.support.socket_mode_server import SocketModeStandIn
from tests.support.team import seed_team

COMMANDS = 100


def command(n: int, slack: FakeSlackServer) -> dict[str, str]:
    return {
        "team_id": "T0001",
        "channel_id": "CSALES",
        "user_id": "UREP1",
        "user_name": "urep1",
        "command": "/feedback",
        "text": f"Loved the demo, take {n}",
        "api_app_id": "A0001",
        "response_url": slack.response_url("CSALES", user="UREP1"),
        "trigger_id": f"trig.{time.monotonic_ns()}",
    }


def summary(label: str, millis: list[float]) -> str:
    ordered = sorted(millis)
    p50 = ordered[len(ordered) // 2]
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"  {label:<12} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   max {ordered[-1]:7.1f} ms"


def main() -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeSlackServer() as slack,
        SocketModeStandIn() as socket,
    ):
        folder = Path(tmp)
        slack.fake.add_channel("CSALES", "sales")
        slack.fake.add_channel("CMARKETING", "marketing")
        slack.fake.socket_mode_url = socket.url
        url = f"sqlite:///{folder / 'ack.db'}"
        db = Database(url)
        db.upgrade()
        seed_team(db, slack.fake)
        db.dispose()
        env = app_env(slack.url, url, LOG_LEVEL="ERROR")
        socket_env = {k: v for k, v in env.items() if k != "SLACK_SIGNING_SECRET"}
        socket_env["SLACK_APP_TOKEN"] = "xapp-1-A0001-bench"
        socket_mode: list[float] = []
        with AppProcess(socket_env, folder):
            socket.wait_connected(1)
            for n in range(COMMANDS):
                started = time.perf_counter()
                socket.wait_ack(socket.send("slash_commands", command(n, slack)))
                socket_mode.append((time.perf_counter() - started) * 1000)
        http_mode: list[float] = []
        with AppProcess(env, folder) as app:
            sender = SlackSender(app.url, env["SLACK_SIGNING_SECRET"])
            for n in range(COMMANDS):
                fields = command(n, slack)
                started = time.perf_counter()
                answer = sender.command("/feedback", fields["text"], user="UREP1")
                http_mode.append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200
            sender.close()
    print(f"/feedback acknowledged, {COMMANDS} commands one at a time (Slack's deadline: 3000 ms)")
    print(summary("Socket Mode", socket_mode))
    print(summary("HTTP mode", http_mode) + "   (baseline, same run)")


if __name__ == "__main__":
    main()
