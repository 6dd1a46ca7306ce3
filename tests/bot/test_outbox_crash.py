"""A post that may have reached Slack is looked up before it is sent again: after a crash
during the call (a real process killed with SIGKILL), after an answer that never came (a
timeout), and for DMs, channel posts and thread replies alike."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from slack_sdk import WebClient
from sqlalchemy import select, update

from bot.db import Database
from bot.models import OutboxMessage, SlackMessage, utcnow
from bot.outbox import Dispatcher, enqueue
from bot.signing import sign_body
from sandbox.fakeslack import Message
from tests.support.app_process import AppProcess, app_env
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.team import seed_team

MARK = {"event_type": "handoff_outbox"}


@pytest.fixture
def slack() -> Iterator[FakeSlackServer]:
    with FakeSlackServer() as server:
        server.fake.add_channel("CSALES", "sales")
        server.fake.add_user("UREP1", "rita")
        yield server


def make_dispatcher(db: Database, slack: FakeSlackServer, timeout: float = 10) -> Dispatcher:
    client = WebClient(token="xoxb-test", base_url=slack.url, timeout=timeout)
    return Dispatcher(db, client, channel_interval=timedelta(0), poll_interval=0.2)


def wait_until(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g}s: {what}")
        time.sleep(0.05)


def statuses(db: Database) -> list[str]:
    with db.session() as session:
        return list(session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))


def location(db: Database, key: str) -> tuple[str, str] | None:
    with db.session() as session:
        found = session.get(SlackMessage, key)
        return None if found is None else (found.channel, found.ts)


def top_level(slack: FakeSlackServer, channel: str) -> list[Message]:
    return [m for m in slack.fake.messages_in(channel) if m.thread_ts is None]


def mark_attempted(db: Database, seconds_ago: float = 2) -> None:
    """As a crashed process leaves its rows: an attempt started, its outcome unknown."""
    with db.session() as session:
        session.execute(
            update(OutboxMessage).values(
                attempt_started_at=utcnow() - timedelta(seconds=seconds_ago)
            )
        )


def run_until_settled(dispatcher: Dispatcher, db: Database, count: int) -> None:
    dispatcher.start()
    try:
        wait_until(lambda: "pending" not in statuses(db), 10, "outbox settled")
        assert len(statuses(db)) == count
    finally:
        dispatcher.stop()


# -- a real process killed during a post whose answer is late ---------------------------------


# The fake Slack (this process) stamps the post; the app (a child process) looks it up from the
# time its attempt started: both must read the same clock, as Slack and a server do.
@pytest.mark.real_clock
def test_killed_during_a_slow_post_the_restart_delivers_it_once(
    tmp_path: Path, db_url: str
) -> None:
    with FakeSlackServer() as slack:
        env = app_env(slack.url, db_url)
        first = AppProcess(env, tmp_path).start()
        db = Database(db_url)
        seed_team(db, slack.fake)
        slack.fake.delay_next("chat.postMessage", seconds=30)  # Slack takes it, answers late
        lead = {"id": "slow-1", "name": "Hot slow", "score": 95, "owner": "UREP1"}
        body = json.dumps(lead).encode()
        headers = {"x-handoff-signature": sign_body(env["LEADS_WEBHOOK_SECRET"], body)}
        answer = httpx.post(f"{first.url}/leads", content=body, headers=headers, timeout=10)
        assert answer.status_code == 202
        wait_until(lambda: len(top_level(slack, "UREP1")) == 1, 15, "the alert reached Slack")
        first.kill()  # SIGKILL while chat.postMessage waits for its answer
        second = AppProcess(env, tmp_path).start()
        try:
            wait_until(lambda: statuses(db) and set(statuses(db)) == {"sent"}, 15, "delivered")
            time.sleep(1.0)  # a second copy, if any, would be posted by now
            alerts = top_level(slack, "UREP1")
            assert len(alerts) == 1, [m.text for m in alerts]
            assert alerts[0].metadata is not None
            key = alerts[0].metadata["event_payload"]["key"]
            assert location(db, key) == (alerts[0].channel, alerts[0].ts)
            assert len(slack.fake.calls_to("chat.postMessage")) == 1
            lookups = slack.fake.calls_to("conversations.history")
            assert lookups and lookups[0]["channel"] == alerts[0].channel
            assert "Traceback" not in second.output()
        finally:
            second.stop()
            db.dispose()


# -- the dispatcher's look-up before a re-send -------------------------------------------------


def test_every_post_carries_its_outbox_key_as_metadata(
    db: Database, slack: FakeSlackServer
) -> None:
    with db.session() as session:
        enqueue(session, "chat.postMessage", key="alert:1", channel="UREP1", text="alert")
        enqueue(session, "chat.postMessage", channel="CSALES", text="no key")
    run_until_settled(make_dispatcher(db, slack), db, 2)
    posts = sorted(slack.fake.calls_to("chat.postMessage"), key=lambda c: c["text"])
    assert posts[0]["metadata"] == {**MARK, "event_payload": {"key": "alert:1"}}
    assert posts[1]["metadata"]["event_type"] == "handoff_outbox"
    assert posts[1]["metadata"]["event_payload"]["key"].startswith("outbox:")
    assert not slack.fake.calls_to("conversations.history")  # first attempts look nothing up


def test_a_dm_that_landed_is_recorded_not_posted_again(
    db: Database, slack: FakeSlackServer
) -> None:
    landed = slack.fake.post_message(
        "UREP1", "alert", metadata={**MARK, "event_payload": {"key": "alert:1"}}
    )
    slack.fake.post_message("UREP1", "another", metadata={**MARK, "event_payload": {"key": "x"}})
    with db.session() as session:
        enqueue(session, "chat.postMessage", key="alert:1", channel="UREP1", text="alert")
        enqueue(session, "chat.update", target="alert:1", text="claimed", blocks=[])
    mark_attempted(db)
    run_until_settled(make_dispatcher(db, slack), db, 2)
    assert statuses(db) == ["sent", "sent"]
    assert not slack.fake.calls_to("chat.postMessage")
    assert location(db, "alert:1") == (landed.channel, landed.ts)
    opened = slack.fake.calls_to("conversations.open")
    assert opened and opened[0]["users"] == "UREP1"  # a DM's history is the IM channel's
    lookup = slack.fake.calls_to("conversations.history")[0]
    assert lookup["channel"] == landed.channel and lookup["include_all_metadata"] == "true"
    assert float(lookup["oldest"]) < float(landed.ts)
    assert slack.fake.find_message(landed.channel, landed.ts).text == "claimed"


def test_a_post_that_did_not_land_is_posted_once(db: Database, slack: FakeSlackServer) -> None:
    slack.fake.post_message("CSALES", "older", metadata={**MARK, "event_payload": {"key": "b"}})
    with db.session() as session:
        enqueue(session, "chat.postMessage", key="a", channel="CSALES", text="brief")
    mark_attempted(db)
    run_until_settled(make_dispatcher(db, slack), db, 1)
    assert [m.text for m in slack.fake.messages_in("CSALES")] == ["older", "brief"]
    assert len(slack.fake.calls_to("conversations.history")) == 1


def test_a_message_from_before_the_attempt_is_not_mistaken_for_it(
    db: Database, slack: FakeSlackServer
) -> None:
    """The look-up reads from shortly before the first attempt; far older history is out."""
    old = slack.fake.post_message("CSALES", "old", metadata={**MARK, "event_payload": {"key": "a"}})
    with db.session() as session:
        enqueue(session, "chat.postMessage", key="a", channel="CSALES", text="new")
    with db.session() as session:
        session.execute(
            update(OutboxMessage).values(attempt_started_at=utcnow() + timedelta(minutes=5))
        )
    run_until_settled(make_dispatcher(db, slack), db, 1)
    assert [m.text for m in slack.fake.messages_in("CSALES")] == ["old", "new"]
    assert location(db, "a") != ("CSALES", old.ts)


def test_a_thread_reply_that_landed_is_found_among_the_replies(
    db: Database, slack: FakeSlackServer
) -> None:
    parent = slack.fake.post_message("CSALES", "parent")
    reply = slack.fake.post_message(
        "CSALES",
        "reply",
        thread_ts=parent.ts,
        metadata={**MARK, "event_payload": {"key": "reply:1"}},
    )
    with db.session() as session:
        session.add(SlackMessage(key="parent", channel="CSALES", ts=parent.ts))
        enqueue(session, "chat.postMessage", key="reply:1", thread="parent", text="reply")
    mark_attempted(db)
    run_until_settled(make_dispatcher(db, slack), db, 1)
    assert len(slack.fake.thread("CSALES", parent.ts)) == 2
    assert location(db, "reply:1") == ("CSALES", reply.ts)
    assert slack.fake.calls_to("conversations.replies")[0]["ts"] == parent.ts


def test_a_lost_answer_is_looked_up_before_the_retry(db: Database, slack: FakeSlackServer) -> None:
    """Slack takes the post but its answer comes after the client gave up (a timeout)."""
    slack.fake.delay_next("chat.postMessage", seconds=3)
    with db.session() as session:
        enqueue(session, "chat.postMessage", key="k1", channel="CSALES", text="once")
    dispatcher = make_dispatcher(db, slack, timeout=1)
    dispatcher.start()
    try:
        wait_until(lambda: statuses(db) == ["sent"], 15, "sent")
    finally:
        dispatcher.stop()
    assert [m.text for m in slack.fake.messages_in("CSALES")] == ["once"]
    assert len(slack.fake.calls_to("chat.postMessage")) == 1
    assert slack.fake.calls_to("conversations.history")


def test_an_answer_that_proves_nothing_was_posted_needs_no_look_up(
    db: Database, slack: FakeSlackServer
) -> None:
    slack.fake.fail_next("chat.postMessage", status=429, retry_after=1)
    slack.fake.fail_next("chat.postMessage", status=503)
    with db.session() as session:
        enqueue(session, "chat.postMessage", key="k1", channel="CSALES", text="patient")
    dispatcher = make_dispatcher(db, slack)
    dispatcher.start()
    try:
        wait_until(lambda: statuses(db) == ["sent"], 15, "sent")
    finally:
        dispatcher.stop()
    assert [c["status"] for c in slack.fake.calls if c["method"] == "chat.postMessage"] == [
        429,
        503,
        200,
    ]
    assert not slack.fake.calls_to("conversations.history")


def test_when_the_look_up_itself_fails_for_a_while_it_is_retried(
    db: Database, slack: FakeSlackServer
) -> None:
    landed = slack.fake.post_message(
        "CSALES", "x", metadata={**MARK, "event_payload": {"key": "a"}}
    )
    slack.fake.fail_next("conversations.history", status=500)
    with db.session() as session:
        enqueue(session, "chat.postMessage", key="a", channel="CSALES", text="x")
    mark_attempted(db)
    run_until_settled(make_dispatcher(db, slack), db, 1)
    assert not slack.fake.calls_to("chat.postMessage")
    assert location(db, "a") == ("CSALES", landed.ts)


def test_when_slack_refuses_the_look_up_for_good_the_post_is_sent_not_lost(
    db: Database, slack: FakeSlackServer
) -> None:
    """A channel named rather than given by id cannot be read back (channel_not_found): the
    post goes out again, as the README says, rather than never."""
    with db.session() as session:
        enqueue(session, "chat.postMessage", key="a", channel="#sales", text="by name")
    mark_attempted(db)
    run_until_settled(make_dispatcher(db, slack), db, 1)
    assert statuses(db) == ["sent"]
    assert [m.text for m in slack.fake.messages_in("CSALES")] == ["by name"]
    refused = [c for c in slack.fake.calls if c["method"] == "conversations.history"]
    assert refused and refused[0]["status"] == 200  # answered ok: false, channel_not_found
