"""`python app.py digest` as an admin runs it, and two real app processes sending digests
against one database (each digest once)."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from bot.db import Database
from bot.models import utcnow
from bot.people import import_roster
from tests.bot.digest.test_digest_helpers import (
    MORE_PEOPLE,
    digest_posts,
    digest_rows,
    seed_people,
    stale,
)
from tests.support.app_process import ROOT, app_env, run_app
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.team import seed_team


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_app(*args, env=env, cwd=cwd, timeout=90)


def test_digest_command(db: Database, tmp_path: Path) -> None:
    with FakeSlackServer() as slack:
        seed_team(db, slack.fake)
        with db.session() as session:
            import_roster(session, MORE_PEOPLE)
        now = utcnow()
        stale(db, "UREP1", now, name="Ada <Lovelace>", score=88)
        stale(db, "UREP4", now, days=5)
        env = app_env(slack.url, db.url)

        dry = run_cli("digest", "--dry-run", env=env, cwd=tmp_path)
        assert dry.returncode == 0, dry.stderr
        assert "Digest for Maria Manager (UMGR1)" in dry.stdout
        assert "*@Rita Rep* · 1 untouched lead  [Nudge]" in dry.stdout
        assert "*Ada <Lovelace>*  [Reassign]" in dry.stdout
        assert "Digest for Kiran Manager (UMGR2)" in dry.stdout
        assert slack.fake.calls_to("chat.postMessage") == []
        assert digest_rows(db) == []

        unknown = run_cli("digest", "--manager", "UNOPE1", env=env, cwd=tmp_path)
        assert unknown.returncode == 2
        assert unknown.stderr.strip().splitlines()[1:] == [
            "Error: UNOPE1 is not on the roster; `python app.py team list` shows the team"
        ]  # after the line naming the database
        rep = run_cli("digest", "--manager", "UREP1", env=env, cwd=tmp_path)
        assert rep.returncode == 2 and "is a rep, not a manager" in rep.stderr

        sent = run_cli("digest", "--manager", "UMGR1", env=env, cwd=tmp_path)
        assert sent.returncode == 0, sent.stderr
        assert sent.stdout.strip() == "Maria Manager (UMGR1): digest sent"
        post = slack.fake.calls_to("chat.postMessage")[0]
        assert post["channel"] == "UMGR1" and "Ada &lt;Lovelace&gt;" in str(post["blocks"])

        twice = run_cli("digest", "--manager", "UMGR1", env=env, cwd=tmp_path)
        assert "was already sent; --again sends another" in twice.stdout
        everyone = run_cli("digest", env=env, cwd=tmp_path)
        assert "Kiran Manager (UMGR2): digest sent" in everyone.stdout
        assert "Maria Manager (UMGR1): today's digest" in everyone.stdout
        again = run_cli("digest", "--manager", "UMGR1", "--again", env=env, cwd=tmp_path)
        assert again.stdout.strip() == "Maria Manager (UMGR1): digest sent"
        channels = [call["channel"] for call in slack.fake.calls_to("chat.postMessage")]
        assert sorted(channels) == ["UMGR1", "UMGR1", "UMGR2"]
        assert len(digest_rows(db)) == 2


PROCESS = """
import sys, time
from bot.config import load_settings
from bot.digest import send_due_digests
from bot.services import Handoff

handoff = Handoff.build(load_settings())
time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
for _ in range(5):
    send_due_digests(handoff)
handoff.stop()
"""


def test_two_app_processes_send_each_digest_once(db: Database, tmp_path: Path) -> None:
    seed_people(db)
    stale(db, "UREP1", utcnow())
    stale(db, "UREP4", utcnow() - timedelta(days=1))
    env = app_env("http://127.0.0.1:9/api/", db.url, DIGEST_TIME="00:00")
    start = str(time.time() + 3)
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", PROCESS, start],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    for process in processes:
        output, _ = process.communicate(timeout=90)
        assert process.returncode == 0, output
    managers = sorted(row.channel for row in digest_posts(db))
    assert managers == ["UMGR1", "UMGR2"]
    assert sorted(manager for manager, _day in digest_rows(db)) == ["UMGR1", "UMGR2"]
