"""Shared fixtures and steps for the lead-source scenarios."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.models import Campaign, Lead
from bot.people import import_roster
from tests.support.fake_hubspot import FakeHubSpot
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp, app_settings
from tests.support.sources import SAMPLES, SECRETS, sources_toml
from tests.support.team import TEAM_CSV, seed_team

OWNERS_CSV = (
    "slack_id,email,name,role,manager,tz,crm_id\n"
    + "\n".join(
        line
        + ","
        + {"UREP1": "31000001", "UREP2": "005000000000001AAA"}.get(line.split(",")[0], "")
        for line in TEAM_CSV.strip().splitlines()[1:]
    )
    + "\n"
)


@pytest.fixture
def hubspot_api() -> Iterator[FakeHubSpot]:
    with FakeHubSpot() as fake:
        fake.contacts["123"] = json.loads((SAMPLES / "hubspot_contact_123.json").read_text())
        fake.owners["31000002"] = {
            "id": "31000002",
            "email": "rita@example.com",
            "firstName": "Rita",
            "lastName": "Rep",
            "archived": False,
        }
        yield fake


@pytest.fixture
def sources_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hubspot_api: FakeHubSpot) -> Path:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    path = tmp_path / "sources.toml"
    path.write_text(sources_toml(hubspot_api.url))
    return path


def source_config(
    settings: Settings, slack: FakeSlackServer, db_url: str, sources_file: Path, **changes: object
) -> Settings:
    return replace(
        app_settings(settings, slack.url, db_url, **changes),  # type: ignore[arg-type]
        sources_file=str(sources_file),
    )


@pytest.fixture
def with_owners(running: RunningApp) -> RunningApp:
    with running.handoff.db.session() as session:
        import_roster(session, OWNERS_CSV)
        session.add(
            Campaign(code="spring-webinar", name="Spring Webinar", offer="Free 30-day pilot")
        )
    return running


def lead(running: RunningApp, external_id: str) -> Lead | None:
    with running.handoff.db.session() as session:
        return session.scalar(select(Lead).where(Lead.external_id == external_id))


def lead_count(running: RunningApp) -> int:
    with running.handoff.db.session() as session:
        return session.scalar(select(func.count()).select_from(Lead)) or 0


def wait_until(check: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


__all__ = ["seed_team"]
