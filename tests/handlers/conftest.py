"""Listeners called directly, as the Bolt starter template's tests do: `Mock(spec=Ack)` and
`Mock(spec=Respond)` stand in for Bolt, and assertions read their `call_args`. Where the
listener reaches the database, `handoff` is the real services on a SQLite file with the demo
team, and a `Mock(spec=WebClient)` for Slack; otherwise a plain `Mock()`."""

from __future__ import annotations

from collections.abc import Iterator
from unittest.mock import Mock

import pytest
from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.config import Settings
from bot.db import Database
from bot.services import Handoff
from tests.support.team import seed_team


@pytest.fixture
def ack() -> Mock:
    fake = Mock(spec=Ack)
    fake.response = None
    return fake


@pytest.fixture
def respond() -> Mock:
    return Mock(spec=Respond)


@pytest.fixture
def handoff(settings: Settings, sqlite_url: str) -> Iterator[Handoff]:
    db = Database(sqlite_url)
    db.upgrade()
    seed_team(db)
    services = Handoff.build(settings, db=db)
    services.client = Mock(spec=WebClient)
    try:
        yield services
    finally:
        services.stop()
