"""`python app.py` as a process: configuration errors, health, forged requests, leads."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx

from bot.signing import sign_body
from tests.support.app_process import AppProcess, app_env, run_app
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.slack_requests import slack_headers


def test_the_app_serves_health_slack_and_leads(tmp_path: Path, db_url: str) -> None:
    with FakeSlackServer() as slack, AppProcess(app_env(slack.url, db_url), tmp_path) as app:
        assert slack.fake.calls_to("auth.test"), "Handoff checks the token against SLACK_API_URL"
        health = httpx.get(f"{app.url}/healthz")
        assert health.status_code == 200 and health.json()["database"] == "ok"

        body = "command=%2Fleads&user_id=UREP1&text="
        forged = slack_headers("wrong-secret", body)
        assert (
            httpx.post(f"{app.url}/slack/events", content=body, headers=forged).status_code == 401
        )

        leads = json.dumps([{"id": "p-1", "name": "Ada", "score": 99}]).encode()
        secret = app.env["LEADS_WEBHOOK_SECRET"]
        headers = {"x-handoff-signature": sign_body(secret, leads)}
        accepted = httpx.post(f"{app.url}/leads", content=leads, headers=headers)
        assert accepted.status_code == 202 and accepted.json()["accepted"] == 1
        assert httpx.post(f"{app.url}/leads", content=leads).status_code == 401


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_app(*args, env=env, cwd=cwd, timeout=60)


def test_a_bad_setting_stops_startup_with_one_line(tmp_path: Path) -> None:
    env = app_env("http://127.0.0.1:9/api/", f"sqlite:///{tmp_path / 'x.db'}", HOT_SCORE="lots")
    result = run_cli(env=env, cwd=tmp_path)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "Configuration error: HOT_SCORE: 'lots' is not a whole number. Use a score 0-100"
    ]
    assert "Traceback" not in result.stderr + result.stdout


def test_a_missing_setting_is_named(tmp_path: Path) -> None:
    env = app_env("http://127.0.0.1:9/api/", f"sqlite:///{tmp_path / 'x.db'}")
    del env["SALES_CHANNEL"]
    result = run_cli(env=env, cwd=tmp_path)
    assert result.returncode != 0
    assert result.stderr.startswith("Configuration error: SALES_CHANNEL: is not set")
    assert "Traceback" not in result.stderr


def test_team_and_leads_commands(tmp_path: Path) -> None:
    env = app_env("http://127.0.0.1:9/api/", f"sqlite:///{tmp_path / 'cli.db'}")
    (tmp_path / "team.csv").write_text(
        "slack_id,email,name,role,manager\nUMGR1,m@example.com,Maria,manager,\n"
        "UREP1,r@example.com,Rita,rep,m@example.com\n"
    )
    first = run_cli("team", "import", "team.csv", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "2 added, 0 updated, 0 unchanged" in first.stdout
    again = run_cli("team", "import", "team.csv", env=env, cwd=tmp_path)
    assert "0 added, 0 updated, 2 unchanged" in again.stdout
    listing = run_cli("team", "list", env=env, cwd=tmp_path)
    assert "Rita" in listing.stdout and "Maria" in listing.stdout

    (tmp_path / "bad.csv").write_text("slack_id,email,name,role,manager\nUX1,,X,boss,\n")
    bad = run_cli("team", "import", "bad.csv", env=env, cwd=tmp_path)
    assert bad.returncode == 2 and "line 2: role 'boss'" in bad.stderr
    assert "Traceback" not in bad.stderr

    (tmp_path / "leads.csv").write_text("id,name,score\nc-1,Ada,90\nc-2,Bob,10\n")
    imported = run_cli("leads", "import", "leads.csv", env=env, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "2 new, 0 updated, 0 unchanged; 1 hot" in imported.stdout
    missing = run_cli("leads", "import", "nope.csv", env=env, cwd=tmp_path)
    assert missing.returncode == 2 and "nope.csv: no such file" in missing.stderr
    upgraded = run_cli("db", "upgrade", env=env, cwd=tmp_path)
    assert upgraded.returncode == 0 and "up to date" in upgraded.stdout
