"""The fake Slack Web API, driven through a real `slack_sdk.WebClient` over HTTP."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox.fakeslack import FakeSlack
from tests.support.fake_slack_server import FakeSlackServer

TS = re.compile(r"^\d{10}\.\d{6}$")


@pytest.fixture(scope="module")
def server() -> Iterator[FakeSlackServer]:
    with FakeSlackServer() as running:
        yield running


@pytest.fixture
def fake(server: FakeSlackServer) -> FakeSlack:
    server.fake.reset()
    server.fake.add_channel("CSALES", "sales")
    server.fake.add_user("UALICE", "alice", email="Alice@Example.com")
    return server.fake


@pytest.fixture
def client(server: FakeSlackServer, fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=server.url)


def slack_error(call: Callable[[], object]) -> SlackApiError:
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value


def test_post_message_to_a_channel(client: WebClient, fake: FakeSlack) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    first = client.chat_postMessage(channel="CSALES", text="hi", blocks=blocks)
    second = client.chat_postMessage(channel="#sales", text="again", thread_ts=first["ts"])

    assert first["channel"] == second["channel"] == "CSALES"
    assert TS.match(first["ts"]) and second["ts"] > first["ts"]
    assert first["message"]["blocks"] == blocks and first["message"]["user"] == "UBOT"
    assert [m.text for m in fake.messages_in("CSALES")] == ["hi", "again"]
    assert fake.messages[-1].thread_ts == first["ts"]
    assert fake.calls_to("chat.postMessage")[0]["blocks"] == blocks


def test_post_message_errors(client: WebClient) -> None:
    error = slack_error(lambda: client.chat_postMessage(channel="CNOPE", text="x"))
    assert error.response["error"] == "channel_not_found"
    error = slack_error(lambda: client.api_call("chat.postMessage", json={"channel": "CSALES"}))
    assert error.response["error"] == "no_text"
    too_many = [{"type": "divider"}] * 51
    error = slack_error(
        lambda: client.chat_postMessage(channel="CSALES", text="x", blocks=too_many)
    )
    assert error.response["error"] == "invalid_blocks"
    error = slack_error(lambda: client.chat_postMessage(channel="CSALES", text="x" * 40_001))
    assert error.response["error"] == "msg_too_long"


def test_posting_to_a_user_goes_to_one_stable_dm(client: WebClient, fake: FakeSlack) -> None:
    first = client.chat_postMessage(channel="UALICE", text="one")
    second = client.chat_postMessage(channel="UALICE", text="two")
    opened = client.conversations_open(users="UALICE")
    third = client.chat_postMessage(channel=opened["channel"]["id"], text="three")

    assert first["channel"] == second["channel"] == opened["channel"]["id"] == "DALICE"
    assert third["channel"] == "DALICE"
    assert [m.text for m in fake.messages_in("UALICE")] == ["one", "two", "three"]


def test_update_replaces_content_and_keeps_history(client: WebClient, fake: FakeSlack) -> None:
    blocks = [{"type": "section", "text": {"type": "plain_text", "text": "v1"}}]
    posted = client.chat_postMessage(channel="CSALES", text="v1", blocks=blocks)
    updated = client.chat_update(channel="CSALES", ts=posted["ts"], text="v2")

    assert updated["ts"] == posted["ts"] and updated["text"] == "v2"
    message = fake.find_message("CSALES", posted["ts"])
    assert message is not None
    assert (message.text, message.blocks) == ("v2", None)
    assert [(r.text, r.blocks) for r in message.history] == [("v1", blocks)]
    error = slack_error(lambda: client.chat_update(channel="CSALES", ts="1.000001", text="x"))
    assert error.response["error"] == "message_not_found"


def test_delete(client: WebClient, fake: FakeSlack) -> None:
    posted = client.chat_postMessage(channel="CSALES", text="bye")
    client.chat_delete(channel="CSALES", ts=posted["ts"])
    assert fake.messages_in("CSALES") == []
    error = slack_error(lambda: client.chat_delete(channel="CSALES", ts=posted["ts"]))
    assert error.response["error"] == "message_not_found"


def test_post_ephemeral(client: WebClient, fake: FakeSlack) -> None:
    response = client.chat_postEphemeral(channel="CSALES", user="UALICE", text="psst")

    assert TS.match(response["message_ts"])
    [ephemeral] = fake.ephemerals_for("UALICE")
    assert (ephemeral.channel, ephemeral.text) == ("CSALES", "psst")
    assert fake.messages_in("CSALES") == []


def test_get_permalink(client: WebClient) -> None:
    posted = client.chat_postMessage(channel="CSALES", text="link me")
    response = client.chat_getPermalink(channel="CSALES", message_ts=posted["ts"])
    digits = posted["ts"].replace(".", "")
    assert response["permalink"] == f"https://fake.slack.test/archives/CSALES/p{digits}"


def test_users_info_and_lookup_by_email(client: WebClient) -> None:
    user = client.users_info(user="UALICE")["user"]
    assert (user["name"], user["tz"], user["profile"]["email"]) == (
        "alice",
        "America/New_York",
        "Alice@Example.com",
    )
    assert user["tz_offset"] in (-5 * 3600, -4 * 3600)
    assert client.users_lookupByEmail(email="alice@example.com")["user"]["id"] == "UALICE"
    error = slack_error(lambda: client.users_info(user="UNOBODY"))
    assert error.response["error"] == "user_not_found"
    error = slack_error(lambda: client.users_lookupByEmail(email="nobody@example.com"))
    assert error.response["error"] == "users_not_found"


def test_views_open_and_update(client: WebClient, fake: FakeSlack) -> None:
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Hand off"}, "blocks": []}
    opened = client.views_open(trigger_id="123.456", view=modal)["view"]

    assert re.match(r"^V\w+$", opened["id"]) and opened["hash"]
    assert fake.views[opened["id"]].trigger_id == "123.456"
    updated = client.views_update(view_id=opened["id"], view=modal, hash=opened["hash"])["view"]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    stale = slack_error(lambda: client.views_update(view_id=opened["id"], view=modal, hash="0.x"))
    assert stale.response["error"] == "hash_conflict"
    untitled = slack_error(lambda: client.views_open(trigger_id="1", view={"type": "modal"}))
    assert untitled.response["error"] == "invalid_arguments"


def test_views_publish(client: WebClient, fake: FakeSlack) -> None:
    home = {"type": "home", "blocks": [{"type": "divider"}]}
    client.views_publish(user_id="UALICE", view=home)
    assert fake.homes["UALICE"].payload == home


def test_form_encoded_calls(server: FakeSlackServer, fake: FakeSlack) -> None:
    client = WebClient(token="xoxb-test", base_url=server.url)
    blocks = [{"type": "divider"}]
    response = client.api_call(
        "chat.postMessage", data={"channel": "CSALES", "text": "form", "blocks": json.dumps(blocks)}
    )
    assert response["message"]["blocks"] == blocks
    assert client.api_call("users.info", params={"user": "UALICE"})["user"]["id"] == "UALICE"
    token_in_body = httpx.post(f"{server.url}auth.test", data={"token": "xoxb-form"}).json()
    assert token_in_body["user_id"] == "UBOT"


def test_auth(server: FakeSlackServer, fake: FakeSlack) -> None:
    anonymous = WebClient(base_url=server.url)
    assert slack_error(anonymous.auth_test).response["error"] == "not_authed"
    user_token = WebClient(token="xoxp-user", base_url=server.url)
    error = slack_error(user_token.auth_test)
    assert (error.response.status_code, error.response["error"]) == (200, "invalid_auth")
    assert FakeSlack(valid_tokens={"xoxb-good"}).handle("auth.test", {}, "xoxb-bad").body == {
        "ok": False,
        "error": "invalid_auth",
    }


def test_unknown_method(client: WebClient) -> None:
    assert slack_error(lambda: client.api_call("chat.nope")).response["error"] == "unknown_method"


def test_rate_limit(client: WebClient, fake: FakeSlack) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=2)
    error = slack_error(lambda: client.chat_postMessage(channel="CSALES", text="x"))

    assert error.response.status_code == 429
    assert error.response.headers["Retry-After"] == "2"
    assert error.response["error"] == "ratelimited"
    assert fake.messages == []
    client.chat_postMessage(channel="CSALES", text="x")
    assert [c["status"] for c in fake.calls] == [429, 200]
    assert fake.calls_to("chat.postMessage", status=None)[0]["text"] == "x"


def test_outage_until_healed_or_over(client: WebClient, fake: FakeSlack) -> None:
    fake.fail_for(30, status=503)
    for _ in range(2):
        error = slack_error(lambda: client.chat_postMessage(channel="CSALES", text="x"))
        assert error.response.status_code == 503
    fake.heal()
    client.chat_postMessage(channel="CSALES", text="x")

    fake.fail_for(0.2, status=502, method="auth.test")
    assert slack_error(client.auth_test).response.status_code == 502
    client.chat_postMessage(channel="CSALES", text="other methods still work")
    time.sleep(0.25)
    client.auth_test()
    assert [c["status"] for c in fake.calls] == [503, 503, 200, 502, 200, 200]
    assert len(fake.messages) == 2


def test_wait_for_returns_when_calls_arrive(client: WebClient, fake: FakeSlack) -> None:
    timer = threading.Timer(0.05, lambda: client.chat_postMessage(channel="CSALES", text="late"))
    timer.start()
    try:
        [args] = fake.wait_for("chat.postMessage", predicate=lambda a: a["text"] == "late")
    finally:
        timer.join()
    assert args["channel"] == "CSALES"


def test_wait_for_times_out_with_a_clear_message(client: WebClient, fake: FakeSlack) -> None:
    client.chat_postMessage(channel="CSALES", text="x")
    fake.fail_next("auth.test")
    with pytest.raises(SlackApiError):
        client.auth_test()

    with pytest.raises(AssertionError) as raised:
        fake.wait_for("chat.update", count=1, timeout=0.1)
    message = str(raised.value)
    assert "chat.update" in message and "0.1s" in message
    assert "chat.postMessage x1" in message and "auth.test (HTTP 503) x1" in message


def test_response_url_replaces_the_original(server: FakeSlackServer, fake: FakeSlack) -> None:
    original = fake.post_message("CSALES", "pick one")
    url = server.response_url("CSALES", user="UALICE", message_ts=original.ts)

    answer = httpx.post(url, json={"text": "picked", "replace_original": True})
    assert (answer.status_code, answer.text) == (200, "ok")
    assert original.text == "picked" and original.history[0].text == "pick one"
    httpx.post(url, json={"text": "only you see this"})
    assert [e.text for e in fake.ephemerals_for("UALICE")] == ["only you see this"]
    assert fake.wait_for("response_url", 2)[0]["replace_original"] is True


def test_listeners_hear_state_changes(client: WebClient, fake: FakeSlack) -> None:
    events: list[dict[str, Any]] = []
    unsubscribe = fake.subscribe(events.append)
    posted = client.chat_postMessage(channel="CSALES", text="hello")
    client.chat_update(channel="CSALES", ts=posted["ts"], text="hello again")
    unsubscribe()
    client.chat_postMessage(channel="CSALES", text="unheard")

    assert [e["type"] for e in events] == ["message_posted", "message_updated"]
    assert events[1]["message"]["text"] == "hello again"
