"""Slack's request payloads, shaped as Slack sends them, for the sandbox page's clicks.

Each builder returns what Slack would POST to the app's request URL: a slash command's
form fields, or an interaction payload (`block_actions`, `view_submission`, `view_closed`)
and an Events API envelope. `signed` turns them into the body and headers of a real request.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from sandbox.fakeslack.models import APP_ID, BOT_USER_ID, TEAM_ID

JsonDict = dict[str, Any]
TEAM_DOMAIN = "handoff-sandbox"
VERIFICATION_TOKEN = "sandbox-verification-token"  # noqa: S105 - Slack's deprecated field


def new_trigger_id() -> str:
    """A trigger_id in Slack's shape (`<digits>.<digits>.<hex>`)."""
    return f"{time.time_ns() // 1000}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"


def action_ts() -> str:
    return f"{time.time():.6f}"


def _user(user_id: str, name: str) -> JsonDict:
    return {"id": user_id, "username": name, "name": name, "team_id": TEAM_ID}


def _team() -> JsonDict:
    return {"id": TEAM_ID, "domain": TEAM_DOMAIN}


def _envelope(kind: str, user_id: str, user_name: str, trigger_id: str | None) -> JsonDict:
    payload: JsonDict = {
        "type": kind,
        "team": _team(),
        "user": _user(user_id, user_name),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "enterprise": None,
        "is_enterprise_install": False,
    }
    if trigger_id:
        payload["trigger_id"] = trigger_id
    return payload


def slash_command(
    *,
    command: str,
    text: str,
    user_id: str,
    user_name: str,
    channel_id: str,
    channel_name: str,
    response_url: str,
    trigger_id: str,
) -> dict[str, str]:
    """The form fields of a slash command request."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def action(element: JsonDict, *, block_id: str, chosen: JsonDict | None = None) -> JsonDict:
    """One entry of `actions`: the element that was used, as Slack describes it."""
    kind = element.get("type", "button")
    entry: JsonDict = {
        "type": kind,
        "action_id": element.get("action_id", ""),
        "block_id": block_id,
        "action_ts": action_ts(),
    }
    if kind == "button":
        entry["text"] = element.get("text", {"type": "plain_text", "text": ""})
        for key in ("value", "style", "url"):
            if key in element:
                entry[key] = element[key]
    else:
        if "placeholder" in element:
            entry["placeholder"] = element["placeholder"]
        entry.update(chosen or {})
    return entry


def message_action(
    *,
    user_id: str,
    user_name: str,
    channel_id: str,
    channel_name: str,
    message: JsonDict,
    ephemeral: bool,
    entry: JsonDict,
    response_url: str,
    trigger_id: str,
) -> JsonDict:
    """`block_actions` from a message (or an ephemeral one, which Slack does not echo back)."""
    container: JsonDict = {
        "type": "message",
        "message_ts": message["ts"],
        "channel_id": channel_id,
        "is_ephemeral": ephemeral,
    }
    if message.get("thread_ts") and message["thread_ts"] != message["ts"]:
        container["thread_ts"] = message["thread_ts"]
    payload = _envelope("block_actions", user_id, user_name, trigger_id)
    payload.update(
        container=container,
        channel={"id": channel_id, "name": channel_name},
        state={"values": {}},
        response_url=response_url,
        actions=[entry],
    )
    if not ephemeral:
        payload["message"] = message
    return payload


def view_action(
    *, user_id: str, user_name: str, view: JsonDict, entry: JsonDict, trigger_id: str
) -> JsonDict:
    """`block_actions` from a modal or the App Home (no channel, no response_url)."""
    payload = _envelope("block_actions", user_id, user_name, trigger_id)
    payload.update(
        container={"type": "view", "view_id": view["id"]},
        view=view,
        actions=[entry],
    )
    return payload


def view_submission(
    *, user_id: str, user_name: str, view: JsonDict, values: JsonDict, trigger_id: str
) -> JsonDict:
    payload = _envelope("view_submission", user_id, user_name, trigger_id)
    payload.update(view={**view, "state": {"values": values}}, response_urls=[])
    return payload


def view_closed(*, user_id: str, user_name: str, view: JsonDict, values: JsonDict) -> JsonDict:
    payload = _envelope("view_closed", user_id, user_name, None)
    payload.update(view={**view, "state": {"values": values}}, is_cleared=False)
    return payload


def event_callback(event: JsonDict) -> JsonDict:
    """The Events API envelope around `event`."""
    now = time.time()
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "event": {"event_ts": f"{now:.6f}", **event},
        "type": "event_callback",
        "event_id": f"Ev{secrets.token_hex(6).upper()}",
        "event_time": int(now),
        "authorizations": [
            {
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


def signed(secret: str, kind: str, payload: JsonDict) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a request Slack signed with the app's signing secret.

    `kind`: "command" (form fields), "interaction" (form-encoded `payload=<json>`) or
    "event" (JSON)."""
    if kind == "command":
        body, content_type = urlencode(payload), "application/x-www-form-urlencoded"
    elif kind == "interaction":
        body = urlencode({"payload": json.dumps(payload)})
        content_type = "application/x-www-form-urlencoded"
    elif kind == "event":
        body, content_type = json.dumps(payload), "application/json"
    else:
        raise ValueError(f"unknown request kind {kind!r}")
    stamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    if signature is None:  # slack_sdk returns None only for an empty timestamp or body
        raise ValueError("cannot sign an empty request")
    headers: dict[str, str] = {
        "content-type": content_type,
        "x-slack-request-timestamp": stamp,
        "x-slack-signature": signature,
    }
    return body.encode(), headers
