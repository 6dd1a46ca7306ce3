"""LOG_FORMAT=json: the real app process writes one JSON object a line, with ids and no lead
details, also when a lead's alert cannot be sent and when the database refuses a batch."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx

from bot.db import Database
from bot.signing import sign_body
from tests.support.app_process import AppProcess, app_env
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.team import seed_team

LEAD = {
    "id": "J-1",
    "name": "Quentin Jsonwell",
    "email": "quentin.jsonwell@privately.example",
    "phone": "+1 555 0100 4242",
    "company": "Jsonwell Hidden Corp",
    "score": 95,
    "owner": "UREP1",
}


def test_json_log_lines_carry_ids_and_no_lead_data(tmp_path: Path, sqlite_url: str) -> None:
    with FakeSlackServer() as slack:
        slack.fake.add_channel("CSALES", "sales")
        slack.fake.add_channel("CMARKETING", "marketing")
        db = Database(sqlite_url)
        db.upgrade()
        seed_team(db, slack.fake)
        db.dispose()
        slack.fake.fail_next("chat.postMessage", status=503)  # a retry: logged with the row's id
        env = app_env(slack.url, sqlite_url, LOG_FORMAT="json", LOG_LEVEL="DEBUG")
        with AppProcess(env, tmp_path) as app:
            body = json.dumps(LEAD).encode()
            headers = {"x-handoff-signature": sign_body(env["LEADS_WEBHOOK_SECRET"], body)}
            answer = httpx.post(f"{app.url}/leads", content=body, headers=headers, timeout=10)
            assert answer.status_code == 202
            slack.fake.wait_for("chat.postMessage", timeout=15)  # sent on the retry
            deadline = time.monotonic() + 10
            while "deferred" not in app.output() and time.monotonic() < deadline:
                time.sleep(0.1)
        output = app.output()
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    for record in records:
        assert {"time", "level", "logger", "message", "pid", "thread"} <= record.keys()
    deferred = [r for r in records if "deferred" in r["message"]]
    assert deferred and deferred[0]["logger"] == "bot.outbox"
    assert deferred[0]["message"].startswith("Slack chat.postMessage for outbox #")
    for value in LEAD.values():
        if isinstance(value, str) and len(value) > 4:
            assert value.lower() not in output.lower(), value
