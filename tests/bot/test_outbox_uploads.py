"""A file upload through the outbox: Slack's external upload flow against the fake Slack
(reserve a URL, POST the bytes there, complete and share), retried whole when a step fails,
and never sent to an upload URL off Slack's hosts."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.db import Database
from bot.models import OutboxMessage
from bot.outbox import enqueue
from bot.outbox.calls import Permanent
from bot.outbox.uploads import UPLOAD, upload, upload_args, upload_url_allowed
from tests.bot.test_outbox import make_dispatcher
from tests.support.fake_slack_server import FakeSlackServer

CONTENT = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40


@pytest.fixture
def slack() -> Iterator[FakeSlackServer]:
    with FakeSlackServer() as server:
        server.fake.add_channel("CSALES", "sales")
        yield server


def queue(db: Database) -> None:
    args = upload_args(
        channel="CSALES", filename="chart.png", title="Chart", content=CONTENT, comment="Here"
    )
    with db.session() as session:
        enqueue(session, UPLOAD, key="chart", **args)


def status(db: Database) -> str:
    with db.session() as session:
        return (
            session.scalar(select(OutboxMessage.status).where(OutboxMessage.key == "chart")) or ""
        )


def wait_sent(db: Database) -> None:
    deadline = time.monotonic() + 20
    while status(db) != "sent":
        assert time.monotonic() < deadline, status(db)
        time.sleep(0.05)


def test_the_three_steps_share_the_file(db: Database, slack: FakeSlackServer) -> None:
    dispatcher = make_dispatcher(db, slack)
    dispatcher.start()
    try:
        queue(db)
        wait_sent(db)
    finally:
        dispatcher.stop()
    [reserved] = slack.fake.calls_to("files.getUploadURLExternal")
    assert (reserved["filename"], int(reserved["length"])) == ("chart.png", len(CONTENT))
    [uploaded] = slack.fake.calls_to("upload")
    assert uploaded["length"] == len(CONTENT)
    [completed] = slack.fake.calls_to("files.completeUploadExternal")
    assert completed["channel_id"] == "CSALES" and completed["initial_comment"] == "Here"
    assert completed["files"] == [{"id": reserved_id(slack), "title": "Chart"}]
    [message] = slack.fake.messages_in("CSALES")
    assert message.text == "Here" and message.files[0]["title"] == "Chart"
    [stored] = slack.fake.files.all()
    assert stored.content == CONTENT and stored.shares == [("CSALES", message.ts)]


def reserved_id(slack: FakeSlackServer) -> str:
    return slack.fake.files.all()[-1].id


def test_a_failed_step_retries_the_whole_flow(db: Database, slack: FakeSlackServer) -> None:
    slack.fake.fail_next("upload", status=503)
    slack.fake.fail_next("files.completeUploadExternal", status=500)
    dispatcher = make_dispatcher(db, slack)
    dispatcher.start()
    try:
        queue(db)
        wait_sent(db)
    finally:
        dispatcher.stop()
    assert len(slack.fake.calls_to("upload", status=None)) >= 2
    assert len(slack.fake.calls_to("files.completeUploadExternal")) == 1
    assert len(slack.fake.messages_in("CSALES")) == 1
    shared = [f for f in slack.fake.files.all() if f.shares]
    assert len(shared) == 1 and shared[0].content == CONTENT


def test_an_upload_url_off_slack_is_never_called() -> None:
    calls: list[str] = []

    def call(method: str, args: dict, form: bool = False) -> dict:  # type: ignore[type-arg]
        calls.append(method)
        return {"ok": True, "upload_url": "https://evil.example/upload", "file_id": "F1"}

    args = upload_args(channel="C1", filename="a.png", title="A", content=b"x", comment="")
    with pytest.raises(Permanent, match="upload_url_not_allowed"):
        upload(call, args, api_url=None, send=lambda url, content: calls.append(url))
    assert calls == ["files.getUploadURLExternal"]


@pytest.mark.parametrize(
    ("url", "api_url", "allowed"),
    [
        ("https://files.slack.com/upload/v1/abc", None, True),
        ("https://files.slack.com:8443/upload/v1/abc", None, False),
        ("http://files.slack.com/upload/v1/abc", None, False),
        ("https://user@files.slack.com/upload", None, False),
        ("http://127.0.0.1:5000/upload/F1", "http://127.0.0.1:5000/api/", True),
        ("http://127.0.0.1:5001/upload/F1", "http://127.0.0.1:5000/api/", False),
        ("http://127.0.0.1:5000/upload/F1", None, False),
        (None, None, False),
    ],
)
def test_upload_urls(url: object, api_url: str | None, allowed: bool) -> None:
    assert upload_url_allowed(url, api_url) is allowed
