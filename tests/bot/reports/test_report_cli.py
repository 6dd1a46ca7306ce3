"""`python app.py report weekly` and `report export` as an admin runs them: the dry run's
text and PNG, the report sent once, one line and exit 2 for a bad week or date, and the
export's rows in CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from bot.db import Database
from bot.models import utcnow
from bot.reports.weeks import IsoWeek
from tests.bot.outcomes.test_scorecard import seed
from tests.support.app_process import app_env, run_app
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.team import seed_team
from tests.support.weekly import PNG_MAGIC, seed_week


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_app("report", *args, env=env, cwd=cwd, timeout=90)


@pytest.mark.real_clock  # "last week" is read by the app process, on the real clock
def test_weekly_dry_run_then_sent_once(db: Database, tmp_path: Path) -> None:
    with FakeSlackServer() as slack:
        slack.fake.add_channel("CSALES", "sales")
        slack.fake.add_channel("CMARKETING", "marketing")
        seed_team(db, slack.fake)
        last = IsoWeek.before(utcnow(), ZoneInfo("UTC"))
        seed_week(db, last)
        week = last.label
        env = app_env(slack.url, db.url, WORKING_HOURS="Mon-Fri 08:00-18:00")

        dry = run_cli("weekly", "--dry-run", env=env, cwd=tmp_path)
        assert dry.returncode == 0, dry.stderr
        assert f"Weekly sync {week}" in dry.stdout
        assert "*Spring webinar* · `spring`" in dry.stdout
        png = tmp_path / f"handoff-sync-{week}.png"
        assert f"Chart written to {png.name}" in dry.stdout
        content = png.read_bytes()
        assert content.startswith(PNG_MAGIC) and len(content) > 10_000
        Image.open(io.BytesIO(content)).load()
        assert slack.fake.calls == []

        sent = run_cli("weekly", "--week", week, env=env, cwd=tmp_path)
        assert sent.returncode == 0, sent.stderr
        assert sent.stdout.strip() == (
            f"The report for {week} was sent to CSALES, CMARKETING, with its chart."
        )
        assert len(slack.fake.calls_to("files.completeUploadExternal")) == 2
        twice = run_cli("weekly", env=env, cwd=tmp_path)
        assert (
            twice.stdout.strip() == f"The report for {week} was already sent; nothing sent again."
        )
        assert len(slack.fake.calls_to("chat.postMessage")) == 2


def test_bad_weeks_and_dates_are_one_line_and_exit_2(db: Database, tmp_path: Path) -> None:
    env = app_env("http://127.0.0.1:9/", db.url)
    cases = [
        (("weekly", "--week", "2026-W99"), "Error: --week: 2026 has no week 99"),
        (
            ("weekly", "--week", "last"),
            "Error: --week: 'last' is not a week; write it like 2026-W47",
        ),
        (("weekly", "--week", "2999-W01"), "Error: --week: 2999-W01 has not ended yet"),
        (("export", "--since", "yesterday"), "Error: --since: 'yesterday' is not a date"),
        (("export", "--until", "2026-13-01"), "Error: --until: '2026-13-01' is not a date"),
        (
            ("export", "--since", "2026-11-20", "--until", "2026-11-01"),
            "Error: --until 2026-11-01 is before --since 2026-11-20",
        ),
        (("export", "--format", "xml"), "Error: --format: 'xml' is not csv or json"),
    ]
    for args, line in cases:
        result = run_cli(*args, env=env, cwd=tmp_path)
        assert result.returncode == 2, (args, result.stderr)
        errors = [x for x in result.stderr.splitlines() if x.startswith("Error")]
        assert len(errors) == 1 and errors[0].startswith(line), (args, result.stderr)
        assert "Traceback" not in result.stderr


def test_export_csv_and_json(db: Database, tmp_path: Path) -> None:
    seed_team(db)
    with db.session() as session:
        seed(session)
    env = app_env("http://127.0.0.1:9/", db.url, WORKING_HOURS="Mon-Fri 08:00-18:00")
    result = run_cli(
        "export", "--since", "2026-11-16", "--until", "2026-11-22", env=env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert sorted(r["id"] for r in rows) == sorted(f"L{n}" for n in range(1, 13))
    by_id = {r["id"]: r for r in rows}
    assert by_id["L1"] == {
        "id": "L1",
        "campaign": "a",
        "source": "",
        "owner": "UREP1",
        "received": "2026-11-17T14:00:00Z",
        "first_touch": "2026-11-17T14:10:00Z",
        "working_at": "2026-11-17T14:10:00Z",
        "meeting_at": "2026-11-18T15:00:00Z",
        "opportunity_at": "",
        "won_at": "2026-11-20T15:00:00Z",
        "lost_at": "",
        "disqualified_at": "",
        "outcome": "won",
        "sla_met": "yes",
    }
    assert (by_id["L2"]["sla_met"], by_id["L10"]["sla_met"], by_id["L6"]["sla_met"]) == (
        "no",
        "yes",
        "",
    )
    assert "Lead 1" not in result.stdout  # no names or contact details
    as_json = run_cli("export", "--format", "json", "--until", "2026-11-16", env=env, cwd=tmp_path)
    assert as_json.returncode == 0, as_json.stderr
    assert [r["id"] for r in json.loads(as_json.stdout)] == ["L0"]
    empty = run_cli("export", "--format", "json", "--since", "2030-01-01", env=env, cwd=tmp_path)
    assert json.loads(empty.stdout) == []
