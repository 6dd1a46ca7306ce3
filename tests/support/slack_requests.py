"""Requests signed exactly as Slack signs them, for driving /slack/events."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

from bot.signing import sign_body


def slack_headers(secret: str, body: str, *, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    assert signature is not None  # None only for an empty timestamp or body
    return {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": stamp,
        "x-slack-signature": signature,
    }


class SlackSender:
    """Posts slash commands, interactions and events to a running app, signed."""

    def __init__(self, base_url: str, secret: str, *, team_id: str = "T0001") -> None:
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self.team_id = team_id
        self.http = httpx.Client(timeout=10)

    def post(self, body: str, content_type: str | None = None, **sign: Any) -> httpx.Response:
        headers = slack_headers(self.secret, body, **sign)
        if content_type:
            headers["content-type"] = content_type
        return self.http.post(f"{self.base_url}/slack/events", content=body, headers=headers)

    def command(
        self, command: str, text: str = "", *, user: str = "UREP1", **extra: Any
    ) -> httpx.Response:
        fields = {
            "token": "legacy",
            "team_id": self.team_id,
            "team_domain": "acme",
            "channel_id": extra.pop("channel_id", "CSALES"),
            "channel_name": "sales",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0001",
            "response_url": extra.pop(
                "response_url", "https://hooks.slack.test/commands/T0001/1/x"
            ),
            "trigger_id": extra.pop("trigger_id", f"trig.{time.monotonic_ns()}"),
            **extra,
        }
        return self.post(urlencode(fields))

    def interaction(self, payload: dict[str, Any]) -> httpx.Response:
        payload.setdefault("team", {"id": self.team_id, "domain": "acme"})
        payload.setdefault("api_app_id", "A0001")
        return self.post(urlencode({"payload": json.dumps(payload)}))

    def event(
        self, event: dict[str, Any], *, event_id: str = "Ev0001", **headers: str
    ) -> httpx.Response:
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": self.team_id,
                "api_app_id": "A0001",
                "type": "event_callback",
                "event_id": event_id,
                "event_time": int(time.time()),
                "event": event,
            }
        )
        return self.post(body, content_type="application/json")

    def close(self) -> None:
        self.http.close()


def lead_headers(secret: str, body: bytes) -> dict[str, str]:
    return {"content-type": "application/json", "x-handoff-signature": sign_body(secret, body)}
