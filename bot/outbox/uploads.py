"""A file upload as one outbox row: Slack's external upload flow, three calls in a row.

`files.getUploadURLExternal` (filename, length) answers an `upload_url` and a `file_id`; the
bytes are POSTed to that URL; `files.completeUploadExternal` shares the file in a channel with
a comment. The row's method is `UPLOAD` and its args hold the bytes (base64), the file name,
title, channel and comment (`upload_args`). A failure at any step retries the whole flow
later (a fresh URL each time; an upload never completed is discarded by Slack).

The upload URL is taken from Slack's answer, so it is only called on Slack's own hosts (or on
the host of `SLACK_API_URL` when that points elsewhere: the tests' and the sandbox's fake).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import httpx

from bot.outbox.calls import Permanent, Retry
from bot.slack_api import API_TIMEOUT, slack_url_allowed

UPLOAD = "files.uploadExternal"  # Handoff's own name for the three calls together
SLACK_FILE_HOST = "files.slack.com"

Call = Callable[..., dict[str, Any]]


def upload_args(
    *, channel: str, filename: str, title: str, content: bytes, comment: str
) -> dict[str, Any]:
    """The outbox args of an upload of `content` shared in `channel` with `comment`."""
    return {
        "channel": channel,
        "filename": filename,
        "title": title,
        "initial_comment": comment,
        "content_b64": base64.b64encode(content).decode("ascii"),
    }


def upload_url_allowed(url: object, api_url: str | None) -> bool:
    return slack_url_allowed(url, SLACK_FILE_HOST, api_url)


def post_bytes(url: str, content: bytes) -> None:
    """POST the file's bytes to its upload URL; Retry or Permanent as the answer says."""
    try:
        response = httpx.post(
            url,
            content=content,
            headers={"Content-Type": "application/octet-stream"},
            timeout=API_TIMEOUT,
        )
    except httpx.ConnectError:
        raise Retry(-1, "upload: connection refused", unsure=False) from None
    except (httpx.HTTPError, OSError) as exc:
        raise Retry(-1, f"upload: {type(exc).__name__}", unsure=False) from None
    if response.status_code >= 500 or response.status_code == 429:
        raise Retry(-1, f"upload: HTTP {response.status_code}", unsure=False)
    if response.status_code != 200:
        raise Permanent(f"upload_failed_http_{response.status_code}")


def upload(
    call: Call,
    args: dict[str, Any],
    *,
    api_url: str | None,
    send: Callable[[str, bytes], None] = post_bytes,
) -> dict[str, Any]:
    """Run the three calls; Slack's answer to the last one (`files`, and `channel` added)."""
    content = base64.b64decode(args["content_b64"])
    reserved = call(
        "files.getUploadURLExternal",
        {"filename": args["filename"], "length": len(content)},
        form=True,
    )
    url, file_id = reserved.get("upload_url"), reserved.get("file_id")
    if not file_id or not upload_url_allowed(url, api_url):
        raise Permanent("upload_url_not_allowed")
    send(str(url), content)
    shared = call(
        "files.completeUploadExternal",
        {
            "files": [{"id": file_id, "title": args["title"]}],
            "channel_id": args["channel"],
            "initial_comment": args["initial_comment"],
        },
    )
    return {**shared, "channel": args["channel"]}


__all__ = ["UPLOAD", "post_bytes", "upload", "upload_args", "upload_url_allowed"]
