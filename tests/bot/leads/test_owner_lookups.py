"""The owner lookup worker's parts without the web app: what one users.lookupByEmail answer
means, the pace, the retry schedule and the deduplicated queue."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.config import Settings
from bot.db import Database
from bot.leads.owners import MAX_BACKOFF, OwnerLookups, backoff, request_lookups
from bot.models import EmailLookup, OwnerLookup
from bot.people import SlackDirectory
from tests.support.fake_slack_server import FakeSlackServer

LOOKUP = "users.lookupByEmail"


@pytest.fixture
def slack() -> Iterator[FakeSlackServer]:
    with FakeSlackServer() as server:
        server.fake.add_user("UNEW1", "Nina New", email="nina@example.com")
        yield server


def directory(db: Database, url: str) -> SlackDirectory:
    return SlackDirectory(db, WebClient(token="xoxb-t", base_url=url))


def test_what_an_answer_means(db: Database, slack: FakeSlackServer) -> None:
    people = directory(db, slack.url)
    assert people.ask_slack("nina@example.com").slack_id == "UNEW1"
    missing = people.ask_slack("ghost@example.com")
    assert missing.answered and missing.slack_id is None
    slack.fake.fail_next(LOOKUP, status=503)
    down = people.ask_slack("nina@example.com")
    assert not down.answered and down.retry_after is None
    slack.fake.fail_next(LOOKUP, status=429, retry_after=7)
    limited = people.ask_slack("nina@example.com")
    assert not limited.answered and limited.retry_after == 7


def test_a_connection_error_is_no_answer(db: Database) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again at once: nothing listens there
    answer = directory(db, f"http://127.0.0.1:{port}/api/").ask_slack("nina@example.com")
    assert not answer.answered


def test_backoff_grows_to_a_cap() -> None:
    assert timedelta(seconds=0.75) <= backoff(1) <= timedelta(seconds=1)
    assert timedelta(seconds=3) <= backoff(3) <= timedelta(seconds=4)
    assert backoff(30) <= MAX_BACKOFF


def test_the_queue_holds_each_address_once(db: Database) -> None:
    with db.session() as session:
        request_lookups(session, {"a@example.com", "b@example.com"})
    with db.session() as session:
        request_lookups(session, {"a@example.com", "c@example.com"})
    with db.session() as session:
        emails = sorted(session.scalars(select(OwnerLookup.email)))
    assert emails == ["a@example.com", "b@example.com", "c@example.com"]


def test_lookups_keep_to_the_pace_and_retry_later(
    db: Database, slack: FakeSlackServer, settings: Settings
) -> None:
    worker = OwnerLookups(
        db, directory(db, slack.url), replace(settings, owner_lookups_per_minute=3)
    )
    with db.session() as session:
        request_lookups(session, {f"p{n}@example.com" for n in range(10)} | {"nina@example.com"})
    slack.fake.fail_next(LOOKUP, status=503, count=1)
    worker.run_once()
    assert len(slack.fake.calls_to(LOOKUP, status=None)) == 3  # a burst of 3, then 3 a minute
    with db.session() as session:
        left = list(session.scalars(select(OwnerLookup)))
        cached = list(session.scalars(select(EmailLookup)))
    assert len(left) == 9 and len(cached) == 2  # the failed one waits for its retry
    failed = [row for row in left if row.attempts == 1]
    assert len(failed) == 1 and failed[0].last_error == "service_unavailable"
    assert failed[0].locked_until is None and failed[0].next_attempt_at > failed[0].requested_at
