"""Scenario fixtures: the whole app on a free port, driven by signed requests, talking to a
fake Slack Web API that records every call."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.config import Settings
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp, app_settings
from tests.support.team import seed_team


@pytest.fixture
def slack() -> Iterator[FakeSlackServer]:
    with FakeSlackServer() as server:
        server.fake.add_channel("CSALES", "sales")
        server.fake.add_channel("CMARKETING", "marketing")
        yield server


@pytest.fixture
def app_config(settings: Settings, slack: FakeSlackServer, db_url: str) -> Settings:
    """Settings for the running app; override this fixture (or use `replace`) to change them."""
    return app_settings(settings, slack.url, db_url)


@pytest.fixture
def running(app_config: Settings, slack: FakeSlackServer) -> Iterator[RunningApp]:
    with RunningApp(app_config) as app:
        seed_team(app.handoff.db, slack.fake)
        slack.fake.reset_calls()
        yield app
