"""The fake Slack's conversation history, message metadata and late answers, driven through a
real `slack_sdk.WebClient` over HTTP."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox.fakeslack import FakeSlack
from tests.support.fake_slack_server import FakeSlackServer

META = {"event_type": "handoff_outbox", "event_payload": {"key": "k1"}}


@pytest.fixture(scope="module")
def server() -> Iterator[FakeSlackServer]:
    with FakeSlackServer() as running:
        yield running


@pytest.fixture
def fake(server: FakeSlackServer) -> FakeSlack:
    server.fake.reset()
    server.fake.add_channel("CSALES", "sales")
    server.fake.add_user("UALICE", "alice")
    return server.fake


@pytest.fixture
def client(server: FakeSlackServer, fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=server.url, timeout=5)


def test_metadata_is_stored_and_shown_only_when_asked_for(
    client: WebClient, fake: FakeSlack
) -> None:
    posted = client.chat_postMessage(channel="CSALES", text="hi", metadata=META)
    assert posted["message"]["metadata"] == META
    plain = client.conversations_history(channel="CSALES")
    assert "metadata" not in plain["messages"][0]
    full = client.conversations_history(channel="CSALES", include_all_metadata=True)
    assert full["messages"][0]["metadata"] == META
    assert full["messages"][0]["ts"] == posted["ts"]


def test_malformed_metadata_is_refused(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as refused:
        client.api_call(
            "chat.postMessage",
            json={"channel": "CSALES", "text": "x", "metadata": {"event_type": "t"}},
        )
    assert refused.value.response["error"] == "invalid_metadata_schema"


def test_history_is_newest_first_within_oldest_and_latest(
    client: WebClient, fake: FakeSlack
) -> None:
    first, _second, third = (fake.post_message("CSALES", f"m{n}") for n in range(3))
    fake.post_message("CSALES", "reply", thread_ts=first.ts)
    everything = client.conversations_history(channel="CSALES")
    assert [m["text"] for m in everything["messages"]] == ["m2", "m1", "m0"]  # no replies
    after = client.conversations_history(channel="CSALES", oldest=first.ts)
    assert [m["text"] for m in after["messages"]] == ["m2", "m1"]  # oldest is exclusive
    inclusive = client.conversations_history(channel="CSALES", oldest=first.ts, inclusive=True)
    assert [m["text"] for m in inclusive["messages"]] == ["m2", "m1", "m0"]
    before = client.conversations_history(channel="CSALES", latest=third.ts)
    assert [m["text"] for m in before["messages"]] == ["m1", "m0"]


def test_history_pages_with_a_cursor(client: WebClient, fake: FakeSlack) -> None:
    for n in range(5):
        fake.post_message("CSALES", f"m{n}")
    page = client.conversations_history(channel="CSALES", limit=2)
    texts = [m["text"] for m in page["messages"]]
    while page["has_more"]:
        page = client.conversations_history(
            channel="CSALES", limit=2, cursor=page["response_metadata"]["next_cursor"]
        )
        texts += [m["text"] for m in page["messages"]]
    assert texts == ["m4", "m3", "m2", "m1", "m0"]
    assert page["response_metadata"]["next_cursor"] == ""


def test_a_dm_is_read_through_its_im_channel(client: WebClient, fake: FakeSlack) -> None:
    client.chat_postMessage(channel="UALICE", text="hello", metadata=META)
    with pytest.raises(SlackApiError) as by_user:
        client.conversations_history(channel="UALICE")  # needs a conversation id
    assert by_user.value.response["error"] == "channel_not_found"
    im = client.conversations_open(users="UALICE")["channel"]["id"]
    history = client.conversations_history(channel=im, include_all_metadata=True)
    assert [m["metadata"] for m in history["messages"]] == [META]


def test_replies_start_with_the_parent(client: WebClient, fake: FakeSlack) -> None:
    parent = fake.post_message("CSALES", "parent")
    fake.post_message("CSALES", "r1", thread_ts=parent.ts, metadata=META)
    replies = client.conversations_replies(
        channel="CSALES", ts=parent.ts, include_all_metadata=True
    )
    assert [m["text"] for m in replies["messages"]] == ["parent", "r1"]
    assert replies["messages"][1]["metadata"] == META
    with pytest.raises(SlackApiError) as missing:
        client.conversations_replies(channel="CSALES", ts="1.000001")
    assert missing.value.response["error"] == "thread_not_found"


def test_a_delayed_answer_comes_late_but_the_post_is_made_at_once(
    server: FakeSlackServer, fake: FakeSlack
) -> None:
    fake.delay_next("chat.postMessage", seconds=2)
    impatient = WebClient(token="xoxb-test", base_url=server.url, timeout=0.5)
    with pytest.raises((TimeoutError, socket.timeout, OSError)):
        impatient.chat_postMessage(channel="CSALES", text="slow")
    assert [m.text for m in fake.messages_in("CSALES")] == ["slow"]
    assert fake.take_delay("chat.postMessage") == 0  # used up by the first call
