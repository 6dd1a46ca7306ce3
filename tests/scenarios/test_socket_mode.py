"""Socket Mode, as Slack drives it: `python app.py` with SLACK_APP_TOKEN connects to a local
stand-in for Slack's WebSocket (the fake Web API's `apps.connections.open` names it), a slash
command, a button click and a view submission arrive as envelopes and are acknowledged by
`envelope_id`; the connection is dropped, Handoff reconnects and handles the next command; and
while Slack cannot be reached it says so in its log and keeps trying."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bot.db import Database
from bot.ids import CampaignIds
from tests.scenarios.campaign_steps import BRIEF, state
from tests.support.app_process import AppProcess, app_env
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.socket_mode_server import SocketModeStandIn
from tests.support.team import seed_team

APP_TOKEN = "xapp-1-A0001-test"
CANNOT_CONNECT = "Socket Mode: cannot connect to Slack"
NO_URL = "Failed to retrieve WSS URL"  # slack_bolt's line when apps.connections.open fails


def command(name: str, text: str, user: str, slack: FakeSlackServer) -> dict[str, Any]:
    return {
        "token": "legacy",
        "team_id": "T0001",
        "team_domain": "acme",
        "channel_id": "CSALES",
        "channel_name": "sales",
        "user_id": user,
        "user_name": user.lower(),
        "command": name,
        "text": text,
        "api_app_id": "A0001",
        "response_url": slack.response_url("CSALES", user=user),
        "trigger_id": f"trig.{time.monotonic_ns()}",
    }


def submission(view: dict[str, Any], user: str) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": "T0001"},
        "user": {"id": user, "username": user.lower(), "team_id": "T0001"},
        "api_app_id": "A0001",
        "trigger_id": f"trig.{time.monotonic_ns()}",
        "view": {
            "id": "V0001",
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view.get("private_metadata", ""),
            "state": {"values": state(BRIEF)},
            "hash": "1.abc",
        },
    }


def click(message: Any, user: str) -> dict[str, Any]:
    actions = next(b for b in message.blocks or [] if b["type"] == "actions")
    button = actions["elements"][0]
    return {
        "type": "block_actions",
        "team": {"id": "T0001"},
        "user": {"id": user, "username": user.lower(), "team_id": "T0001"},
        "api_app_id": "A0001",
        "trigger_id": f"trig.{time.monotonic_ns()}",
        "channel": {"id": "CSALES", "name": "sales"},
        "container": {"type": "message", "message_ts": message.ts, "channel_id": "CSALES"},
        "message": {"ts": message.ts, "text": message.text, "blocks": message.blocks},
        "actions": [
            {
                "type": "button",
                "action_id": button["action_id"],
                "block_id": actions["block_id"],
                "value": button["value"],
                "action_ts": str(time.time()),
            }
        ],
    }


def wait_for_log(app: AppProcess, text: str, count: int = 1, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while app.output().count(text) < count:
        assert time.monotonic() < deadline, f"{text!r} not logged {count}x: {app.output()}"
        time.sleep(0.1)


def test_socket_mode_handles_commands_buttons_and_forms_and_reconnects(
    tmp_path: Path, sqlite_url: str
) -> None:
    with FakeSlackServer() as slack, SocketModeStandIn() as socket:
        slack.fake.add_channel("CSALES", "sales")
        slack.fake.add_channel("CMARKETING", "marketing")
        db = Database(sqlite_url)
        db.upgrade()
        seed_team(db, slack.fake)
        db.dispose()
        slack.fake.socket_mode_url = socket.url
        # Slack is unreachable over the socket when Handoff starts: it serves HTTP anyway,
        # logs that it cannot connect, and keeps trying.
        slack.fake.fail_for(120.0, status=503, method="apps.connections.open")
        env = app_env(slack.url, sqlite_url, SLACK_APP_TOKEN=APP_TOKEN, LOG_LEVEL="INFO")
        del env["SLACK_SIGNING_SECRET"]  # Socket Mode needs none
        with AppProcess(env, tmp_path) as app:
            wait_for_log(app, CANNOT_CONNECT)
            wait_for_log(app, NO_URL, count=2)  # and tried again
            slack.fake.heal()
            socket.wait_connected(1)
            wait_for_log(app, "Connected to Slack in Socket Mode")

            # A slash command: /campaign opens the form.
            opened = len(slack.fake.calls_to("views.open"))
            sent = socket.send("slash_commands", command("/campaign", "", "UMKT1", slack))
            assert socket.wait_ack(sent)["envelope_id"] == sent
            view = slack.fake.wait_for("views.open", count=opened + 1)[-1]["view"]
            assert view["callback_id"] == CampaignIds.MODAL

            # A view submission: the brief is saved and announced.
            sent = socket.send("interactive", submission(view, "UMKT1"))
            ack = socket.wait_ack(sent)
            assert ack["envelope_id"] == sent and "errors" not in str(ack.get("payload"))
            slack.fake.wait_for(
                "chat.postMessage",
                predicate=lambda a: a["channel"] == "CSALES" and "Spring Webinar" in a["text"],
            )
            [announcement] = [
                m for m in slack.fake.messages_in("CSALES") if "Spring Webinar" in m.text
            ]

            # A button: "Got it" from a rep updates the announcement.
            updates = len(slack.fake.calls_to("chat.update"))
            sent = socket.send("interactive", click(announcement, "UREP1"))
            assert socket.wait_ack(sent)["envelope_id"] == sent
            slack.fake.wait_for("chat.update", count=updates + 1)

            # The connection drops while Slack is unreachable: Handoff says so and keeps
            # trying; once Slack answers it reconnects and the next command is handled.
            failures = app.output().count(NO_URL)
            slack.fake.fail_for(120.0, status=503, method="apps.connections.open")
            socket.drop()
            wait_for_log(app, NO_URL, count=failures + 2)  # said so, and tried again
            slack.fake.heal()
            socket.wait_connected(2)
            sent = socket.send(
                "slash_commands", command("/feedback", "spring-webinar Loved it", "UREP1", slack)
            )
            assert socket.wait_ack(sent)["envelope_id"] == sent
            slack.fake.wait_for(
                "chat.postMessage",
                predicate=lambda a: a["channel"] == "CMARKETING" and "Loved it" in a["text"],
            )
            assert "Traceback" not in app.output()
