"""The outbox against the fake Slack Web API: delivery, retries, ordering, crashes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.db import Database
from bot.models import OutboxMessage, SlackMessage
from bot.outbox import Dispatcher, enqueue, is_queued, reserve_keys
from bot.outbox.dispatcher import remember_post
from tests.support.fake_slack_server import FakeSlackServer


@pytest.fixture
def slack() -> Iterator[FakeSlackServer]:
    with FakeSlackServer() as server:
        server.fake.add_channel("CSALES", "sales")
        yield server


def make_dispatcher(db: Database, slack: FakeSlackServer, **options: object) -> Dispatcher:
    client = WebClient(token="xoxb-test", base_url=slack.url)
    options.setdefault("channel_interval", timedelta(0))
    options.setdefault("poll_interval", 0.2)
    return Dispatcher(db, client, **options)  # type: ignore[arg-type]


def statuses(db: Database) -> list[str]:
    with db.session() as session:
        return list(session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))


def texts(slack: FakeSlackServer, method: str = "chat.postMessage") -> list[str]:
    return [call["text"] for call in slack.fake.calls_to(method)]


def test_sent_after_commit_and_not_after_rollback(db: Database, slack: FakeSlackServer) -> None:
    # A poll a minute apart: a post within 10 s can only come from the wake-up on commit
    # (no stopwatch, so a loaded machine cannot fail it).
    dispatcher = make_dispatcher(db, slack, poll_interval=60.0)
    dispatcher.start()
    try:
        with pytest.raises(RuntimeError), db.session() as session:
            enqueue(session, "chat.postMessage", channel="CSALES", text="rolled back")
            raise RuntimeError("the cause failed")
        with db.session() as session:
            enqueue(session, "chat.postMessage", channel="CSALES", text="committed")
        slack.fake.wait_for("chat.postMessage", 1, timeout=10)
    finally:
        dispatcher.stop()
    assert texts(slack) == ["committed"]
    assert statuses(db) == ["sent"]


def test_outage_delays_but_never_loses_or_repeats(db: Database, slack: FakeSlackServer) -> None:
    slack.fake.fail_for(1.5, status=503)
    dispatcher = make_dispatcher(db, slack)
    dispatcher.start()
    try:
        for n in range(5):
            with db.session() as session:
                enqueue(session, "chat.postMessage", channel=f"U{n}REP", text=f"message {n}")
        slack.fake.wait_for("chat.postMessage", 5, timeout=15, predicate=lambda c: True)
        deadline = time.monotonic() + 15
        while statuses(db) != ["sent"] * 5 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        dispatcher.stop()
    assert sorted(texts(slack)) == [f"message {n}" for n in range(5)]
    assert statuses(db) == ["sent"] * 5
    failed = [c for c in slack.fake.calls if c["status"] == 503]
    assert failed, "the outage was not exercised"


def test_rate_limit_honours_retry_after(db: Database, slack: FakeSlackServer) -> None:
    slack.fake.fail_next("chat.postMessage", status=429, retry_after=1)
    dispatcher = make_dispatcher(db, slack)
    dispatcher.start()
    try:
        with db.session() as session:
            enqueue(session, "chat.postMessage", channel="CSALES", text="patient")
        slack.fake.wait_for("chat.postMessage", 1, timeout=10)
    finally:
        dispatcher.stop()
    attempts = [c for c in slack.fake.calls if c["method"] == "chat.postMessage"]
    assert [c["status"] for c in attempts] == [429, 200]
    assert attempts[1]["at"] - attempts[0]["at"] >= 0.95


def test_update_and_thread_wait_for_their_target(db: Database, slack: FakeSlackServer) -> None:
    dispatcher = make_dispatcher(db, slack)
    with db.session() as session:
        enqueue(session, "chat.update", target="alert:1", text="updated", blocks=[])
        enqueue(session, "chat.postMessage", thread="alert:1", text="reminder")
        enqueue(session, "chat.postMessage", key="alert:1", channel="UREP1", text="original")
    dispatcher.start()
    try:
        slack.fake.wait_for("chat.update", 1)
        slack.fake.wait_for("chat.postMessage", 2)
    finally:
        dispatcher.stop()
    original, reply = slack.fake.calls_to("chat.postMessage")
    update = slack.fake.calls_to("chat.update")[0]
    assert original["text"] == "original"
    assert reply["thread_ts"] and reply["channel"].startswith("D")
    assert update["channel"] == reply["channel"] and update["ts"] == reply["thread_ts"]


def test_same_key_is_sent_once(db: Database, slack: FakeSlackServer) -> None:
    with db.session() as session:
        first = enqueue(
            session, "chat.postMessage", key="digest:U1:2026-11-23", channel="U1", text="a"
        )
        second = enqueue(
            session, "chat.postMessage", key="digest:U1:2026-11-23", channel="U1", text="b"
        )
    assert first is not None and second is None
    with db.session() as session:
        assert (
            enqueue(session, "chat.postMessage", key="digest:U1:2026-11-23", channel="U1", text="c")
            is None
        )
    assert len(statuses(db)) == 1


def test_permanent_error_fails_the_message_and_its_dependants(
    db: Database, slack: FakeSlackServer
) -> None:
    dispatcher = make_dispatcher(db, slack)
    with db.session() as session:
        enqueue(session, "chat.postMessage", key="m1", channel="CNOWHERE", text="lost channel")
        enqueue(session, "chat.update", target="m1", text="x", blocks=[])
    dispatcher.start()
    try:
        deadline = time.monotonic() + 5
        while statuses(db) != ["failed", "failed"] and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        dispatcher.stop()
    assert statuses(db) == ["failed", "failed"]


def record_releases(dispatcher: Dispatcher) -> list[tuple[str, float]]:
    """(text, moment) for each post as the dispatcher releases it to its channel, read from
    the dispatcher's own clock: after the wait it sets the channel's next ready time to
    `release + channel_interval`. Measured there, not where the fake Slack receives the call,
    so a slow HTTP round trip on a loaded machine cannot shrink or stretch a gap."""
    released: list[tuple[str, float]] = []
    wait = dispatcher._wait_for_channel

    def wait_then_record(row: OutboxMessage) -> None:
        wait(row)
        ready = dispatcher._channel_ready[row.channel]
        released.append((row.args["text"], ready - dispatcher.channel_interval))

    dispatcher._wait_for_channel = wait_then_record  # type: ignore[method-assign]
    return released


def test_posts_to_one_channel_are_spaced(db: Database, slack: FakeSlackServer) -> None:
    dispatcher = make_dispatcher(db, slack, channel_interval=timedelta(seconds=0.3))
    released = record_releases(dispatcher)
    with db.session() as session:
        for n in range(3):
            enqueue(session, "chat.postMessage", channel="CSALES", text=f"burst {n}")
        enqueue(session, "chat.postMessage", channel="UOTHER", text="elsewhere")
    dispatcher.start()
    try:
        slack.fake.wait_for("chat.postMessage", 4, timeout=10)
    finally:
        dispatcher.stop()
    sales = [
        c
        for c in slack.fake.calls
        if c["method"] == "chat.postMessage" and c["args"]["channel"] == "CSALES"
    ]
    assert [c["args"]["text"] for c in sales] == ["burst 0", "burst 1", "burst 2"]
    at = dict(released)
    assert sorted(at) == ["burst 0", "burst 1", "burst 2", "elsewhere"]
    gaps = [at["burst 1"] - at["burst 0"], at["burst 2"] - at["burst 1"]]
    assert min(gaps) >= 0.3 - 0.005  # (the slack only absorbs float rounding)
    # Another channel is not held up behind the burst: it goes before the burst is done.
    assert at["elsewhere"] < at["burst 2"]


def test_a_crashed_dispatchers_claims_are_taken_over_once(
    db: Database, slack: FakeSlackServer
) -> None:
    with db.session() as session:
        for n in range(3):
            enqueue(session, "chat.postMessage", channel=f"U{n}X", text=f"claimed {n}")
    crashed = make_dispatcher(db, slack, lease=timedelta(seconds=1))
    claimed = crashed._claim()  # claims the rows, then "dies" before sending
    assert len(claimed) == 3
    survivor = make_dispatcher(db, slack, lease=timedelta(seconds=1))
    assert survivor.dispatch_once() == 0  # still leased to the crashed one
    time.sleep(1.1)
    survivor.start()
    try:
        slack.fake.wait_for("chat.postMessage", 3)
        time.sleep(0.3)
    finally:
        survivor.stop()
    assert sorted(texts(slack)) == ["claimed 0", "claimed 1", "claimed 2"]


def test_two_dispatchers_share_the_work_without_repeats(
    db: Database, slack: FakeSlackServer
) -> None:
    with db.session() as session:
        for n in range(40):
            enqueue(session, "chat.postMessage", channel=f"U{n:02d}X", text=f"n{n}")
    first, second = make_dispatcher(db, slack, batch=5), make_dispatcher(db, slack, batch=5)
    first.start()
    second.start()
    try:
        slack.fake.wait_for("chat.postMessage", 40, timeout=20)
        time.sleep(0.3)
    finally:
        first.stop()
        second.stop()
    assert sorted(texts(slack)) == sorted(f"n{n}" for n in range(40))


def test_an_older_update_never_overwrites_a_newer_one(db: Database, slack: FakeSlackServer) -> None:
    dispatcher = make_dispatcher(db, slack)
    with db.session() as session:
        enqueue(session, "chat.postMessage", key="ann", channel="CSALES", text="v0")
    dispatcher.start()
    try:
        slack.fake.wait_for("chat.postMessage", 1)
        slack.fake.fail_next("chat.update", status=503)
        with db.session() as session:
            enqueue(session, "chat.update", target="ann", text="v1", blocks=[])
        slack.fake.wait_for("chat.update", 1, status=503)
        with db.session() as session:
            enqueue(session, "chat.update", target="ann", text="v2", blocks=[])
        slack.fake.wait_for("chat.update", 1)
        time.sleep(2.5)  # past the first retry's backoff
    finally:
        dispatcher.stop()
    assert [c["text"] for c in slack.fake.calls_to("chat.update")] == ["v2"]
    assert statuses(db) == ["sent", "superseded", "sent"]


def test_reserved_keys_skip_look_ups_but_never_hide_a_queued_or_landed_message(
    db: Database,
) -> None:
    """`reserve_keys` (a batch's new leads): a key already queued, or only known by where it
    landed (its row pruned), stays taken; a free one is added without a look-up, and is
    queued from then on. The reservation ends with the transaction."""
    with db.session() as session:
        enqueue(session, "chat.postMessage", key="queued", channel="CSALES", text="a")
        session.add(SlackMessage(key="landed", channel="CSALES", ts="1.000100"))
    with db.session() as session:
        reserve_keys(session, ["queued", "landed", "free"])
        assert (is_queued(session, "queued"), is_queued(session, "landed")) == (True, True)
        assert not is_queued(session, "free")
        assert enqueue(session, "chat.postMessage", key="queued", channel="CSALES") is None
        assert enqueue(session, "chat.postMessage", key="landed", channel="CSALES") is None
        assert enqueue(session, "chat.postMessage", key="free", channel="CSALES") is not None
        assert is_queued(session, "free")
        assert enqueue(session, "chat.postMessage", key="free", channel="CSALES") is None
    with db.session() as session:
        assert is_queued(session, "free")
        keys = session.scalars(select(OutboxMessage.key).order_by(OutboxMessage.id)).all()
    assert keys == ["queued", "free"]


@pytest.mark.parametrize("ending", ["commit", "rollback"])
def test_a_reservation_ends_with_its_transaction(db: Database, ending: str) -> None:
    with db.sessions() as session:
        session.begin()
        reserve_keys(session, ["k"])
        getattr(session, ending)()
        with db.session() as other:  # another process queues it meanwhile
            other.add(OutboxMessage(key="k", method="chat.postMessage", args={}))
        with session.begin():  # the same session's next transaction looks again
            assert is_queued(session, "k")


def test_a_posts_place_is_recorded_once_and_a_later_landing_replaces_it(db: Database) -> None:
    """The dispatcher's record of where a post landed is one upsert: a key seen again (a post
    found in Slack after an unsure attempt, say) moves to where it is now, never a duplicate."""
    with db.session() as session:
        remember_post(session, "alert:1", "D1", "1.0001")
    with db.session() as session:
        remember_post(session, "alert:1", "D1", "1.0002")
        remember_post(session, "alert:2", "D2", "2.0001")
    with db.session() as session:
        places = {m.key: (m.channel, m.ts) for m in session.scalars(select(SlackMessage))}
    assert places == {"alert:1": ("D1", "1.0002"), "alert:2": ("D2", "2.0001")}
