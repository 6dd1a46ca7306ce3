"""`python app.py` with no Slack settings starts the sandbox, in its own SQLite file."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx

from tests.support.app_process import AppProcess, sandbox_env


def test_no_bot_token_starts_the_sandbox_and_ignores_database_url(tmp_path: Path) -> None:
    configured = tmp_path / "production.db"
    env = sandbox_env(DATABASE_URL=f"sqlite:///{configured}")
    with AppProcess.sandbox(tmp_path, env=env) as sandbox:
        page = httpx.get(f"{sandbox.url}/")
        assert page.status_code == 200 and "Handoff sandbox" in page.text
        people = httpx.get(f"{sandbox.url}/sandbox/state").json()["people"]
        assert {p["role"] for p in people} == {"marketer", "rep", "manager", "admin"}
        log = sandbox.output()
    assert sandbox.stop() == 0
    assert "Handoff SANDBOX" in log and f"Open {sandbox.url}/ in your browser" in log
    assert "SLACK_BOT_TOKEN" in log and "README" in log  # how to connect a real workspace
    assert "Traceback" not in sandbox.output()
    assert (tmp_path / "handoff-sandbox.db").exists()
    assert not configured.exists()


def test_the_sandbox_command_wins_over_a_configured_workspace(tmp_path: Path) -> None:
    env = sandbox_env(
        SLACK_BOT_TOKEN="xoxb-a-real-token",
        SLACK_SIGNING_SECRET="real-secret",
        SLACK_API_URL="http://127.0.0.1:9/api/",  # nothing listens: a real call would fail
        SALES_CHANNEL="CREAL",
        MARKETING_CHANNEL="CREALMKT",
    )
    with AppProcess.sandbox(tmp_path, "sandbox", "--fresh", env=env) as sandbox:
        sales = httpx.get(f"{sandbox.url}/sandbox/state").json()["channels"][0]
        assert sales["name"] == "sales" and sales["id"] == "C0SALES"
    assert "ignores SLACK_BOT_TOKEN" in sandbox.output()
    assert "A fresh demo was seeded" in sandbox.output()


def test_the_launcher_picks_another_port_when_its_pick_is_taken_before_the_app_binds(
    tmp_path: Path,
) -> None:
    """The test launcher's own race (a port free when picked, taken before the app binds it)
    costs a retry, not a red CI run."""
    launcher = AppProcess.sandbox(tmp_path)
    with socket.socket() as thief:
        thief.bind(("127.0.0.1", launcher.port))
        thief.listen()
        taken = launcher.port
        with launcher as sandbox:
            assert sandbox.port != taken
            assert httpx.get(f"{sandbox.url}/").status_code == 200
    assert f"127.0.0.1:{taken} is not free" in (tmp_path / f"app-{taken}.log").read_text()
