"""The outbox's claims, on SQLite and PostgreSQL: bounded by what fits into a lease, renewed by
a live dispatcher, checked before every send, and free again once their holder is gone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.config import ConfigError, Settings, load_settings
from bot.db import Database
from bot.models import OutboxMessage
from bot.outbox import Dispatcher, enqueue
from bot.services import Handoff
from tests.support.fake_slack_server import FakeSlackServer

START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=5)
SETTINGS_ENV = {
    "SLACK_BOT_TOKEN": "xoxb-test-token",
    "SALES_CHANNEL": "CSALES",
    "MARKETING_CHANNEL": "CMARKETING",
}


@pytest.fixture
def slack() -> Iterator[FakeSlackServer]:
    with FakeSlackServer() as server:
        server.fake.add_channel("CMARKETING", "marketing")
        server.fake.add_channel("CSALES", "sales")
        yield server


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def dispatcher(db: Database, slack: FakeSlackServer, interval: float = 0.05) -> Dispatcher:
    client = WebClient(token="xoxb-test", base_url=slack.url, timeout=5)
    return Dispatcher(db, client, channel_interval=timedelta(seconds=interval), lease=LEASE)


def queue(db: Database, channel: str, count: int, prefix: str = "m") -> None:
    with db.session() as session:
        for n in range(count):
            enqueue(session, "chat.postMessage", channel=channel, text=f"{prefix}{n}")


def holders(db: Database) -> dict[str | None, int]:
    with db.session() as session:
        tokens = session.scalars(select(OutboxMessage.lock_token))
        counts: dict[str | None, int] = {}
        for token in tokens:
            counts[token] = counts.get(token, 0) + 1
        return counts


def leases(db: Database, token: str) -> set[datetime | None]:
    with db.session() as session:
        return set(
            session.scalars(
                select(OutboxMessage.locked_until).where(OutboxMessage.lock_token == token)
            )
        )


def test_claims_no_more_posts_per_channel_than_fit_into_the_lease(
    db: Database, slack: FakeSlackServer, clock: time_machine.Coordinates
) -> None:
    queue(db, "CMARKETING", 150)
    queue(db, "CSALES", 3, prefix="s")
    first = dispatcher(db, slack, interval=0.05)  # 5 s lease / 0.05 s = 100 posts
    claimed = first._claim()
    by_channel = {c: sum(1 for r in claimed if r.channel == c) for c in ("CMARKETING", "CSALES")}
    assert by_channel == {"CMARKETING": 100, "CSALES": 3}
    assert leases(db, first.token) == {START + LEASE}
    candidates = [
        OutboxMessage(id=n, channel="C1", method="chat.postMessage") for n in range(5)
    ] + [OutboxMessage(id=9, channel=None, method="chat.update")]
    kept = dispatcher(db, slack, interval=2)._within_lease(candidates)
    assert [row.id for row in kept] == [0, 1, 9]  # 5 s / 2 s: two posts; an update is not spaced


def test_a_channel_another_live_dispatcher_drains_is_left_to_it(
    db: Database, slack: FakeSlackServer, clock: time_machine.Coordinates
) -> None:
    queue(db, "CMARKETING", 150)
    first, second = dispatcher(db, slack), dispatcher(db, slack)
    assert len(first._claim()) == 100
    assert second._claim() == []  # the other 50 wait for the dispatcher draining the channel
    queue(db, "CSALES", 2, prefix="s")
    assert [r.channel for r in second._claim()] == ["CSALES", "CSALES"]


def test_a_live_dispatcher_keeps_its_claims_by_renewing_them(
    db: Database, slack: FakeSlackServer, clock: time_machine.Coordinates
) -> None:
    queue(db, "CMARKETING", 10)
    first, second = dispatcher(db, slack), dispatcher(db, slack)
    rows = first._claim()
    assert len(rows) == 10
    assert first.renew_every < LEASE.total_seconds() / 2
    for _ in range(4):  # heartbeats, more often than the lease runs out
        clock.shift(timedelta(seconds=1.5))
        assert first.renew_claims() == 10
    assert leases(db, first.token) == {START + timedelta(seconds=6) + LEASE}
    assert second._claim() == []  # 6 s after the claim, still held
    assert first._hold(rows[0])
    assert second.renew_claims() == 0


def test_a_dead_dispatchers_claims_are_taken_over_after_one_lease(
    db: Database, slack: FakeSlackServer, clock: time_machine.Coordinates
) -> None:
    queue(db, "CMARKETING", 10)
    dead, survivor = dispatcher(db, slack), dispatcher(db, slack)
    stale = dead._claim()
    clock.shift(LEASE - timedelta(milliseconds=1))
    assert survivor._claim() == []
    clock.shift(timedelta(milliseconds=2))
    assert len(survivor._claim()) == 10
    assert holders(db) == {survivor.token: 10}
    # The former holder, should it wake up, can neither renew nor send what it lost.
    assert dead.renew_claims() == 0
    assert not dead._hold(stale[0])
    dead._send_one(stale[0])
    assert not slack.fake.calls_to("chat.postMessage")
    assert survivor._hold(stale[0])


def test_a_row_is_sent_only_after_its_claim_is_checked(
    db: Database, slack: FakeSlackServer, clock: time_machine.Coordinates
) -> None:
    queue(db, "CMARKETING", 2)
    first, second = dispatcher(db, slack, interval=0), dispatcher(db, slack, interval=0)
    one, two = first._claim()
    first._send_one(one)
    assert [c["text"] for c in slack.fake.calls_to("chat.postMessage")] == ["m0"]
    clock.shift(LEASE + timedelta(seconds=1))  # first stalled past its lease
    assert [r.id for r in second._claim()] == [two.id]
    first._send_one(two)  # too late: the row is second's now
    second._send_one(two)
    assert [c["text"] for c in slack.fake.calls_to("chat.postMessage")] == ["m0", "m1"]
    with db.session() as session:
        assert list(session.scalars(select(OutboxMessage.status))) == ["sent", "sent"]


def test_stopping_releases_what_was_claimed_but_not_sent(
    db: Database, slack: FakeSlackServer, clock: time_machine.Coordinates
) -> None:
    queue(db, "CMARKETING", 3)
    first = dispatcher(db, slack)
    assert len(first._claim()) == 3
    first.stop()
    assert holders(db) == {None: 3}
    assert len(dispatcher(db, slack)._claim()) == 3


def test_the_lease_is_a_setting_the_dispatcher_uses(settings: Settings) -> None:
    assert settings.outbox_lease == timedelta(seconds=6)
    short = load_settings({**SETTINGS_ENV, "OUTBOX_LEASE": "5s"})
    assert short.outbox_lease == LEASE
    handoff = Handoff.build(short, db=Database("sqlite://"))
    try:
        assert handoff.dispatcher.lease == LEASE
    finally:
        handoff.dispatcher.stop()
        handoff.db.dispose()
    with pytest.raises(ConfigError, match="OUTBOX_LEASE"):
        load_settings({**SETTINGS_ENV, "OUTBOX_LEASE": "0s"})


def test_rows_a_failed_worker_leaves_behind_are_not_kept_alive_by_the_heartbeat(
    db: Database, slack: FakeSlackServer, clock: time_machine.Coordinates
) -> None:
    """Found under a webinar burst on a loaded machine (bench/webinar_burst.py): a worker's
    database call failed (SQLite busy), the rest of its channel's rows stayed claimed, and the
    heartbeat renewed them for ever, so those DMs never went out."""
    queue(db, "CMARKETING", 3)
    first = dispatcher(db, slack)
    rows = first._claim()

    def locked(_row: OutboxMessage) -> None:
        raise OperationalError("UPDATE outbox", {}, Exception("database is locked"))

    first._send_one = locked  # type: ignore[method-assign]
    first._send_group("CMARKETING", rows)
    assert first.renew_claims() == 0
    clock.shift(LEASE + timedelta(milliseconds=1))
    assert len(dispatcher(db, slack)._claim()) == 3
