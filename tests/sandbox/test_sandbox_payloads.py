"""The sandbox's Slack payloads: signed as Slack signs them, and shaped so that Bolt routes
each one to the right listener with the fields handlers read."""

from __future__ import annotations

from typing import Any

import pytest
from slack_bolt import App, BoltRequest
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.signature import SignatureVerifier

from sandbox import payloads
from sandbox.api import lead_from_form
from sandbox.relay import find_element

SECRET = "sandbox-test-secret"
ALERT = {
    "type": "message",
    "ts": "1700000000.000100",
    "text": "Hot lead",
    "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Hot*"}},
        {
            "type": "actions",
            "block_id": "lead_alert_actions:7",
            "elements": [
                {
                    "type": "button",
                    "action_id": "lead_ack",
                    "value": "7",
                    "style": "primary",
                    "text": {"type": "plain_text", "text": "I'm on it"},
                },
                {
                    "type": "static_select",
                    "action_id": "lead_snooze",
                    "placeholder": {"type": "plain_text", "text": "Snooze"},
                    "options": [
                        {"text": {"type": "plain_text", "text": "1 hour"}, "value": "7:1h"}
                    ],
                },
            ],
        },
    ],
}


def bolt_app(seen: dict[str, Any]) -> App:
    """A Bolt app that records what each listener received; no network at all."""

    def authorize(**_kwargs: Any) -> AuthorizeResult:
        return AuthorizeResult(
            enterprise_id=None,
            team_id="T0001",
            bot_token="xoxb-x",
            bot_user_id="UBOT",
            bot_id="B0001",
        )

    app = App(signing_secret=SECRET, authorize=authorize, process_before_response=True)

    @app.command("/campaign")
    def command(ack: Any, command: dict) -> None:
        ack()
        seen["command"] = command

    @app.action("lead_ack")
    def button(ack: Any, body: dict, action: dict) -> None:
        ack()
        seen["button"] = (body, action)

    @app.action("lead_snooze")
    def select(ack: Any, action: dict) -> None:
        ack()
        seen["select"] = action

    @app.view("campaign_modal")
    def submitted(ack: Any, body: dict, view: dict) -> None:
        ack(response_action="errors", errors={"campaign_name": "Give it a name."})
        seen["submission"] = (body, view)

    @app.view_closed("campaign_modal")
    def closed(ack: Any, view: dict) -> None:
        ack()
        seen["closed"] = view

    @app.event("app_home_opened")
    def home(event: dict) -> None:
        seen["home"] = event

    return app


def dispatch(app: App, kind: str, payload: dict[str, Any]) -> Any:
    body, headers = payloads.signed(SECRET, kind, payload)
    return app.dispatch(BoltRequest(body=body.decode(), headers=headers))


def user_fields() -> dict[str, str]:
    return {"user_id": "U0MIA", "user_name": "Mia Chen"}


def test_the_signature_is_slacks() -> None:
    body, headers = payloads.signed(SECRET, "event", payloads.event_callback({"type": "x"}))
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid(
        body, headers["x-slack-request-timestamp"], headers["x-slack-signature"]
    )
    assert not SignatureVerifier("another").is_valid(
        body, headers["x-slack-request-timestamp"], headers["x-slack-signature"]
    )


def test_a_slash_command_reaches_its_listener() -> None:
    seen: dict[str, Any] = {}
    payload = payloads.slash_command(
        command="/campaign",
        text="stats spring",
        channel_id="C0SALES",
        channel_name="sales",
        response_url="http://127.0.0.1:1/r",
        trigger_id="1.2.abc",
        **user_fields(),
    )
    response = dispatch(bolt_app(seen), "command", payload)
    assert response.status == 200
    command = seen["command"]
    assert command["text"] == "stats spring" and command["user_id"] == "U0MIA"
    assert command["trigger_id"] == "1.2.abc" and command["response_url"].endswith("/r")


def test_a_button_click_carries_message_container_and_response_url() -> None:
    seen: dict[str, Any] = {}
    element = find_element(ALERT["blocks"], "lead_alert_actions:7", "lead_ack")
    assert element is not None
    payload = payloads.message_action(
        channel_id="D0SAM",
        channel_name="directmessage",
        message=ALERT,
        ephemeral=False,
        entry=payloads.action(element, block_id="lead_alert_actions:7"),
        response_url="http://127.0.0.1:1/r",
        trigger_id="1.2.abc",
        **user_fields(),
    )
    assert dispatch(bolt_app(seen), "interaction", payload).status == 200
    body, action = seen["button"]
    assert action["value"] == "7" and action["block_id"] == "lead_alert_actions:7"
    assert action["text"]["text"] == "I'm on it"
    assert body["container"] == {
        "type": "message",
        "message_ts": ALERT["ts"],
        "channel_id": "D0SAM",
        "is_ephemeral": False,
    }
    assert body["message"]["blocks"] == ALERT["blocks"]
    assert body["response_url"] and body["trigger_id"] and body["user"]["id"] == "U0MIA"


def test_an_ephemeral_click_has_no_message_and_a_select_its_option() -> None:
    seen: dict[str, Any] = {}
    element = find_element(ALERT["blocks"], "lead_alert_actions:7", "lead_snooze")
    assert element is not None
    chosen = {"selected_option": element["options"][0]}
    payload = payloads.message_action(
        channel_id="C0SALES",
        channel_name="sales",
        message=ALERT,
        ephemeral=True,
        entry=payloads.action(element, block_id="lead_alert_actions:7", chosen=chosen),
        response_url="http://127.0.0.1:1/r",
        trigger_id="1.2.abc",
        **user_fields(),
    )
    assert "message" not in payload and payload["container"]["is_ephemeral"] is True
    assert dispatch(bolt_app(seen), "interaction", payload).status == 200
    assert seen["select"]["selected_option"]["value"] == "7:1h"
    assert seen["select"]["type"] == "static_select"


def test_a_submission_carries_state_values_and_errors_come_back() -> None:
    seen: dict[str, Any] = {}
    view = {
        "id": "V1",
        "type": "modal",
        "callback_id": "campaign_modal",
        "hash": "h",
        "private_metadata": "{}",
        "blocks": [],
    }
    values = {"campaign_name": {"value": {"type": "plain_text_input", "value": None}}}
    payload = payloads.view_submission(
        view=view, values=values, trigger_id="1.2.abc", **user_fields()
    )
    response = dispatch(bolt_app(seen), "interaction", payload)
    assert response.status == 200
    assert '"response_action": "errors"' in response.body
    body, received = seen["submission"]
    assert received["state"]["values"] == values and body["user"]["id"] == "U0MIA"
    closed = payloads.view_closed(view=view, values=values, **user_fields())
    assert dispatch(bolt_app(seen), "interaction", closed).status == 200
    assert seen["closed"]["id"] == "V1"


def test_an_event_reaches_its_listener() -> None:
    seen: dict[str, Any] = {}
    event = {"type": "app_home_opened", "user": "U0MIA", "channel": "D0MIA", "tab": "home"}
    assert dispatch(bolt_app(seen), "event", payloads.event_callback(event)).status == 200
    assert seen["home"]["user"] == "U0MIA" and seen["home"]["tab"] == "home"


def test_trigger_ids_are_unique_and_slack_shaped() -> None:
    first, second = payloads.new_trigger_id(), payloads.new_trigger_id()
    assert first != second and first.count(".") == 2


def test_elements_are_found_in_accessories_and_inputs_and_unnamed_blocks() -> None:
    blocks = [
        {"type": "section", "accessory": {"type": "button", "action_id": "a"}},
        {"type": "input", "block_id": "in", "element": {"type": "datepicker", "action_id": "d"}},
    ]
    assert find_element(blocks, "b0", "a") == blocks[0]["accessory"]
    assert find_element(blocks, "in", "d") == blocks[1]["element"]
    assert find_element(blocks, "in", "a") is None
    assert find_element(blocks, "b1", "d") is None  # a block with an id is known by it


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        (
            {"name": " Dana ", "score": "95", "owner": "U0SAM", "campaign": "x"},
            {"name": "Dana", "score": 95, "owner": "U0SAM", "campaign": "x"},
        ),
        ({"name": "Dana", "score": "lots", "owner": ""}, {"name": "Dana", "score": "lots"}),
        ({"name": "Dana", "owner": "<!channel>"}, {"name": "Dana"}),
    ],
)
def test_the_lead_form_becomes_a_crm_lead(form: dict, expected: dict) -> None:
    lead = lead_from_form(form)
    assert lead.pop("id").startswith("sandbox-")
    assert lead.pop("source") == "Sandbox form"
    assert lead == expected
