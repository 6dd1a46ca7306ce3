"""The fake Slack's external upload flow answers as Slack does and keeps the file."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.support.fake_slack_server import FakeSlackServer


@pytest.fixture
def slack() -> Iterator[FakeSlackServer]:
    with FakeSlackServer() as server:
        server.fake.add_channel("CSALES", "sales")
        server.fake.add_channel("CMARKETING", "marketing")
        yield server


def client(slack: FakeSlackServer) -> WebClient:
    return WebClient(token="xoxb-test", base_url=slack.url)


def error(call) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(SlackApiError) as raised:
        call()
    return str(raised.value.response["error"])


def test_upload_then_share_in_two_channels_and_serve_the_bytes(slack: FakeSlackServer) -> None:
    web = client(slack)
    reserved = web.api_call("files.getUploadURLExternal", params={"filename": "a.png", "length": 5})
    assert reserved["upload_url"].startswith(slack.url.rstrip("/").removesuffix("/api"))
    short = httpx.post(reserved["upload_url"], content=b"1234")
    assert short.status_code == 404  # not the announced length
    assert httpx.post(reserved["upload_url"], content=b"12345").status_code == 200
    done = web.api_call(
        "files.completeUploadExternal",
        json={
            "files": [{"id": reserved["file_id"], "title": "A chart"}],
            "channels": "CSALES,CMARKETING",
            "initial_comment": "the chart",
        },
    )
    assert done["files"] == [{"id": reserved["file_id"], "title": "A chart"}]
    for channel in ("CSALES", "CMARKETING"):
        [message] = slack.fake.messages_in(channel)
        assert message.text == "the chart" and message.files[0]["name"] == "a.png"
    served = httpx.get(message.files[0]["url_private"])
    assert served.content == b"12345" and served.headers["content-type"] == "image/png"


def test_mistakes(slack: FakeSlackServer) -> None:
    web = client(slack)
    assert error(lambda: web.api_call("files.getUploadURLExternal", params={"length": 5})) == (
        "invalid_arguments"
    )
    assert (
        error(
            lambda: web.api_call(
                "files.getUploadURLExternal", params={"filename": "a", "length": 0}
            )
        )
        == "invalid_length"
    )
    reserved = web.api_call("files.getUploadURLExternal", params={"filename": "a", "length": 1})
    not_uploaded = {"files": [{"id": reserved["file_id"]}], "channel_id": "CSALES"}
    assert error(lambda: web.api_call("files.completeUploadExternal", json=not_uploaded)) == (
        "file_not_found"
    )
    httpx.post(reserved["upload_url"], content=b"x")
    nowhere = {"files": [{"id": reserved["file_id"]}], "channel_id": "CNOWHERE"}
    assert error(lambda: web.api_call("files.completeUploadExternal", json=nowhere)) == (
        "channel_not_found"
    )
    assert error(lambda: web.api_call("files.completeUploadExternal", json={"files": []})) == (
        "invalid_arguments"
    )
