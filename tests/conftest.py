from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import bot.metrics
from bot.config import Settings, load_settings
from bot.db import Database
from bot.people import SlackDirectory
from tests.support.databases import database_url
from tests.support.team import seed_team

# HANDOFF_TEST_NOW=<instant> runs the suite with the clock set there (off by default).
pytest_plugins = ["tests.support.fixed_now"]


@pytest.fixture(autouse=True)
def fresh_source_labels(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with none of bot.metrics' source labels taken: the cap (MAX_SOURCES) is
    per process, and an xdist worker runs many tests that post leads from many sources."""
    monkeypatch.setattr(bot.metrics, "_sources", set())


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each database test runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""
    with database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'handoff.db'}"


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def settings() -> Settings:
    return load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_SIGNING_SECRET": "test-signing-secret",
            "SALES_CHANNEL": "CSALES",
            "MARKETING_CHANNEL": "CMARKETING",
            "LEADS_WEBHOOK_SECRET": "test-webhook-secret-0123456789",
            "WORKING_HOURS": "always",
            "CHANNEL_POST_INTERVAL": "0s",
            # No weekly report posts into the channels a test counts, unless it asks for one.
            "SYNC_REPORT": "off",
            # Unowned hot leads are offered in the channel here; round robin's own tests
            # (tests/bot/routing, tests/scenarios/test_routing.py) turn it on.
            "ROUTING": "channel",
        }
    )


@pytest.fixture
def team(db: Database) -> Database:
    """The database with the test team (reps, managers, admins) seeded."""
    seed_team(db)
    return db


@pytest.fixture
def directory(team: Database) -> Iterator[SlackDirectory]:
    """A people directory over the team, with no Slack client (profiles from the database)."""
    yield SlackDirectory(team, None, default_tz="UTC")
