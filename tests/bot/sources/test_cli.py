"""`python app.py sources list | test | log`, run in-process as an admin runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import cli
from bot.db import Database
from bot.sources.log import record
from tests.support.sources import SAMPLES, SECRETS, sources_toml


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for key in list(__import__("os").environ):
        if key.startswith(("SLACK_", "DATABASE_", "SOURCES_")):
            monkeypatch.delenv(key)
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "sources.toml").write_text(sources_toml())
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'handoff.db'}")
    return tmp_path


def run(*argv: str) -> int:
    return cli.execute(cli.parse(list(argv)))


def test_sources_test_prints_the_leads_and_stores_nothing(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run("sources", "test", "salesforce", str(SAMPLES / "salesforce_outbound.xml"))
    out = capsys.readouterr().out
    assert code == 0
    assert '"name": "Sean Forbes"' in out and '"campaign": "spring-webinar"' in out
    assert "CRM owner 005000000000001AAA is not a crm_id on the roster" in out
    assert "2 lead(s) would be stored" in out
    events = run("sources", "test", "hubspot", str(SAMPLES / "hubspot_events.json"))
    assert events == 0 and "2 contact events of 3" in capsys.readouterr().out


def test_sources_test_names_each_problem_with_its_path(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = env / "bad.json"
    bad.write_text('{"properties": {"company": "No One"}}')
    assert run("sources", "test", "hubspot", str(bad)) == 2
    err = capsys.readouterr().err
    assert "lead 0: id (from id): missing" in err
    assert "nothing would be stored" in err
    assert run("sources", "test", "nope", str(bad)) == 3
    assert "no source named 'nope'" in capsys.readouterr().err


def test_sources_list_and_log(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = Database(f"sqlite:///{env / 'handoff.db'}")
    db.upgrade()
    record(db, "hubspot", 202, received=1, counts={"accepted": 1})
    record(db, "hubspot", 401, error="not authorised: wrong X-HubSpot-Signature-v3")
    assert run("sources", "list") == 0
    out = capsys.readouterr().out
    assert "/leads/hubspot  hubspot  auth: X-HubSpot-Signature-v3" in out
    assert "(not authorised: wrong X-HubSpot-Signature-v3)" in out
    assert "/leads/salesforce  salesforce  auth: ?key= in the URL" in out
    assert "6 sources." in out
    assert run("sources", "log", "hubspot") == 0
    log = capsys.readouterr().out.splitlines()
    assert "202" in log[1] and "401" in log[2] and "wrong X-HubSpot" in log[2]
    assert run("sources", "log", "typeform") == 0
    assert "No requests to /leads/typeform yet." in capsys.readouterr().out
