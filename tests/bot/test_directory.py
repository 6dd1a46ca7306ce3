"""SlackDirectory: users.info and users.lookupByEmail through the database cache."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from slack_sdk import WebClient

from bot.db import Database
from bot.people import SlackDirectory
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.team import seed_team


@pytest.fixture
def slack() -> Iterator[FakeSlackServer]:
    with FakeSlackServer() as server:
        server.fake.add_user("UNEW1", "Nina New", email="nina@example.com", tz="Europe/Berlin")
        yield server


def directory(db: Database, slack: FakeSlackServer) -> SlackDirectory:
    return SlackDirectory(db, WebClient(token="xoxb-t", base_url=slack.url), ttl=timedelta(hours=1))


def test_email_lookup_uses_the_roster_first(db: Database, slack: FakeSlackServer) -> None:
    seed_team(db)
    assert directory(db, slack).slack_id_for_email("Rita@Example.com") == "UREP1"
    assert slack.fake.calls_to("users.lookupByEmail") == []


def test_email_lookups_are_cached_including_misses(db: Database, slack: FakeSlackServer) -> None:
    people = directory(db, slack)
    assert people.slack_id_for_email("nina@example.com") == "UNEW1"
    assert people.slack_id_for_email("nina@example.com") == "UNEW1"
    assert people.slack_id_for_email("ghost@example.com") is None
    assert people.slack_id_for_email("ghost@example.com") is None
    assert len(slack.fake.calls_to("users.lookupByEmail")) == 2


def test_cache_expires(db: Database, slack: FakeSlackServer) -> None:
    people = directory(db, slack)
    with time_machine.travel("2026-11-23 10:00:00+00:00", tick=False) as clock:
        people.user("UNEW1")
        people.user("UNEW1")
        assert len(slack.fake.calls_to("users.info")) == 1
        clock.shift(timedelta(hours=2))
        people.user("UNEW1")
    assert len(slack.fake.calls_to("users.info")) == 2


def test_slack_errors_are_not_cached(db: Database, slack: FakeSlackServer) -> None:
    slack.fake.fail_next("users.lookupByEmail", status=503)
    people = directory(db, slack)
    assert people.slack_id_for_email("nina@example.com") is None
    assert people.slack_id_for_email("nina@example.com") == "UNEW1"


def test_timezone_override_slack_and_default(db: Database, slack: FakeSlackServer) -> None:
    seed_team(db)  # the roster gives UREP2 Asia/Kolkata
    people = directory(db, slack)
    assert people.timezone("UREP2").key == "Asia/Kolkata"
    assert people.timezone("UNEW1").key == "Europe/Berlin"
    assert people.timezone("UNKNOWN1").key == "UTC"
