"""Steps the /campaign scenarios share: the command, the modal's submission, a "Got it" click,
all as signed requests to the running app; what Slack saw comes from the fake."""

from __future__ import annotations

import time
from typing import Any

import httpx

from bot.ids import CampaignIds as Ids
from bot.messages import escape
from sandbox.fakeslack.models import Message
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp

SALES = "CSALES"
FIELD_TYPES = {
    Ids.NAME_BLOCK: ("name", "plain_text_input"),
    Ids.CODE_BLOCK: ("code", "plain_text_input"),
    Ids.AUDIENCE_BLOCK: ("audience", "plain_text_input"),
    Ids.OFFER_BLOCK: ("offer", "plain_text_input"),
    Ids.TALKING_POINTS_BLOCK: ("talking_points", "plain_text_input"),
    Ids.LANDING_URL_BLOCK: ("landing_url", "url_text_input"),
    Ids.STARTS_BLOCK: ("starts_on", "datepicker"),
    Ids.ENDS_BLOCK: ("ends_on", "datepicker"),
    Ids.HOT_SCORE_BLOCK: ("hot_score", "number_input"),
    Ids.REPS_BLOCK: ("reps", "multi_users_select"),
}
BRIEF = {
    "name": "Spring Webinar",
    "audience": "Finance leaders at 200-2000 person companies",
    "offer": "Free 30-day pilot",
    "talking_points": "Ask about their month-end close",
    "landing_url": "https://example.com/spring?utm_campaign=spring-webinar",
    "starts_on": "2025-03-01",
    "ends_on": "2025-04-30",
    "hot_score": "70",
}


def command(
    running: RunningApp, slack: FakeSlackServer, text: str = "", *, user: str = "UMKT1"
) -> httpx.Response:
    """`/campaign text` from `user` in the sales channel, with a response_url the fake knows."""
    response = running.slack.command(
        "/campaign", text, user=user, response_url=slack.response_url(SALES, user=user)
    )
    assert response.status_code == 200
    return response


def replies_to(slack: FakeSlackServer, user: str, count: int = 1) -> list[str]:
    """The texts of the ephemeral replies `user` got through response_urls, once `count` came."""
    slack.fake.wait_for("response_url", count=count)
    deadline = time.monotonic() + 5
    while len(found := slack.fake.ephemerals_for(user)) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return [e.text + " " + str(e.blocks or "") for e in found]


def opened_view(slack: FakeSlackServer, count: int = 1) -> dict[str, Any]:
    return slack.fake.wait_for("views.open", count=count)[-1]["view"]


def state(values: dict[str, Any]) -> dict[str, Any]:
    """`view.state.values` as Slack sends it; `reps` is a list of user ids (Slack sends an
    empty list when none is picked)."""
    result: dict[str, Any] = {}
    for block, (name, kind) in FIELD_TYPES.items():
        if kind == "multi_users_select":
            result[block] = {Ids.INPUT: {"type": kind, "selected_users": values.get(name) or []}}
            continue
        value = values.get(name) or None
        key = "selected_date" if kind == "datepicker" else "value"
        result[block] = {Ids.INPUT: {"type": kind, key: value}}
    return result


def submit(
    running: RunningApp, view: dict[str, Any], *, user: str = "UMKT1", **values: Any
) -> httpx.Response:
    """Submit `view` (as the app opened it) with `values` typed into its inputs."""
    payload = {
        "type": "view_submission",
        "user": {"id": user, "username": user.lower(), "team_id": "T0001"},
        "trigger_id": f"trig.{time.monotonic_ns()}",
        "view": {
            "id": "V0001",
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view.get("private_metadata", ""),
            "state": {"values": state(values)},
            "hash": "1.abc",
        },
    }
    response = running.slack.interaction(payload)
    assert response.status_code == 200
    return response


def create_campaign(
    running: RunningApp, slack: FakeSlackServer, *, user: str = "UMKT1", **changes: Any
) -> Message:
    """Open the modal, submit a brief, and return the announcement once it is posted and the
    marketer has been told (so that message cannot be taken for a later command's answer)."""
    before = len(slack.fake.calls_to("views.open"))
    saved = len(saved_notices(slack))
    command(running, slack, user=user)
    view = opened_view(slack, before + 1)
    response = submit(running, view, user=user, **{**BRIEF, **changes})
    assert response.content in (b"", b"{}"), response.text
    name = changes.get("name", BRIEF["name"])
    posted = announcement(slack, name)
    slack.fake.wait_for("response_url", count=saved + 1, predicate=saved_notice)
    return posted


def saved_notice(args: dict[str, Any]) -> bool:
    """The "Campaign … is saved and announced" answer to the marketer."""
    return "is saved and announced" in (args.get("text") or "")


def saved_notices(slack: FakeSlackServer) -> list[dict[str, Any]]:
    return [args for args in slack.fake.calls_to("response_url") if saved_notice(args)]


def announcement(slack: FakeSlackServer, name: str) -> Message:
    """The announcement of the campaign called `name`, once posted (its text is escaped)."""
    shown = escape(name)
    slack.fake.wait_for(
        "chat.postMessage", predicate=lambda a: a["channel"] == SALES and shown in a["text"]
    )
    return next(m for m in slack.fake.messages_in(SALES) if shown in m.text)


def click_got_it(
    running: RunningApp, slack: FakeSlackServer, message: Message, user: str
) -> httpx.Response:
    """`user` clicks the announcement's first button, "Got it"."""
    actions = next(b for b in message.blocks or [] if b["type"] == "actions")
    return click_announcement(running, slack, message, user, actions["elements"][0]["action_id"])


def click_announcement(
    running: RunningApp, slack: FakeSlackServer, message: Message, user: str, action_id: str
) -> httpx.Response:
    """`user` clicks the announcement's button `action_id`, as Slack sends the click."""
    actions = next(b for b in message.blocks or [] if b["type"] == "actions")
    button = next(e for e in actions["elements"] if e["action_id"] == action_id)
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": "T0001"},
        "trigger_id": f"trig.{time.monotonic_ns()}",
        "response_url": slack.response_url(SALES, user=user, message_ts=message.ts),
        "channel": {"id": SALES, "name": "sales"},
        "container": {"type": "message", "message_ts": message.ts, "channel_id": SALES},
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
    response = running.slack.interaction(payload)
    assert response.status_code == 200
    return response
