"""The escalation tells the truth after it is sent (issue 14, "Found" 1-3): it updates in place
when the rep acts or the lead is reassigned, the clock restarts for a new owner, and both
owners' alerts say what happened."""

from __future__ import annotations

import copy
import json
import time

from bot.ids import LadderIds, LeadIds
from bot.messages import validate_blocks
from sandbox.fakeslack import Message
from tests.scenarios import test_ladder
from tests.scenarios.test_digest_buttons import leads_stale
from tests.scenarios.test_ladder import (
    ESCALATE,
    SLA,
    SWEEP,
    click,
    post_hot_lead,
    replies,
    top_level,
    wait_until,
)
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp

app_config = test_ladder.app_config  # the short-durations fixture


def reassign(
    running: RunningApp, slack: FakeSlackServer, message: Message, *, by: str, to: str
) -> None:
    """Press Reassign on `message` and submit the form with `to` picked, as Slack would."""
    calls = len(slack.fake.calls_to("views.open"))
    click(running, slack, message, LeadIds.REASSIGN, user=by)
    wait_until(lambda: len(slack.fake.calls_to("views.open")) > calls, 5, "the Reassign form")
    opened = slack.fake.calls_to("views.open")[-1]
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    offered = [o["value"] for o in view["blocks"][1]["element"]["options"]]
    assert to in offered, offered
    submission = {
        "type": "view_submission",
        "user": {"id": by, "username": by.lower(), "team_id": "T0001"},
        "view": {
            "id": "V1",
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "state": {
                "values": {
                    LeadIds.REASSIGN_TO_BLOCK: {
                        LeadIds.REASSIGN_TO: {
                            "type": "static_select",
                            "selected_option": {"value": to},
                        }
                    }
                }
            },
        },
    }
    assert running.slack.interaction(submission).status_code == 200


def buttons(message: Message) -> list[str]:
    return [
        e["action_id"]
        for b in message.blocks or []
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def test_the_escalation_says_when_the_rep_took_the_lead_and_loses_its_buttons(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    post_hot_lead(running)
    alert = top_level(slack, "UREP1", "Ada Lovelace")
    escalation = top_level(slack, "UMGR1", "Ada Lovelace", timeout=ESCALATE + SWEEP + 4)
    assert "has not acted" in str(escalation.blocks)

    click(running, slack, alert, LeadIds.ACK, user="UREP1")
    wait_until(lambda: escalation.edited, 5, "the escalation to update in place")
    shown = str(escalation.blocks)
    assert "<@UREP1> is on it" in shown and "after this escalation" in shown
    assert "has not acted" not in shown
    assert buttons(escalation) == []
    validate_blocks(escalation.blocks or [])
    assert len(slack.fake.messages_in("UMGR1")) == 1  # updated, not a second message


def test_a_stale_nudge_does_not_reach_the_new_owner(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    post_hot_lead(running)
    escalation = top_level(slack, "UMGR1", "Ada Lovelace", timeout=ESCALATE + SWEEP + 4)
    stale = copy.deepcopy(escalation)  # the escalation as the manager's client still shows it
    reassign(running, slack, escalation, by="UMGR1", to="UREP2")
    top_level(slack, "UREP2", "Ada Lovelace")
    wait_until(lambda: escalation.edited, 5, "the escalation to update in place")
    shown = str(escalation.blocks)
    assert "Reassigned to <@UREP2> by <@UMGR1>" in shown and "has not acted" not in shown
    assert buttons(escalation) == []
    validate_blocks(escalation.blocks or [])

    click(running, slack, stale, LadderIds.NUDGE, user="UMGR1")
    answer = slack.fake.wait_for("response_url")[-1]
    assert "out of date" in answer["text"]
    time.sleep(SWEEP)
    assert not any("follow up" in m.text for m in slack.fake.messages_in("UREP2"))


def test_after_a_reassignment_the_clock_and_the_alerts_are_the_new_owners(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    post_hot_lead(running)
    old_alert = top_level(slack, "UREP1", "Ada Lovelace")
    escalation = top_level(slack, "UMGR1", "Ada Lovelace", timeout=ESCALATE + SWEEP + 4)
    reassign(running, slack, escalation, by="UMGR1", to="UREP2")

    new_alert = top_level(slack, "UREP2", "Ada Lovelace")
    shown = str(new_alert.blocks)
    assert "Reassigned to you by <@UMGR1>" in shown and "from <@UREP1>" in shown
    validate_blocks(new_alert.blocks or [])
    wait_until(lambda: old_alert.edited, 5, "the old owner's alert to update")
    old = str(old_alert.blocks)
    assert "Hot lead for you" not in old and "No longer yours" in old
    validate_blocks(old_alert.blocks or [])

    # The new owner's reminder counts from the reassignment, not from the lead's arrival.
    wait_until(lambda: replies(slack, new_alert), SLA + SWEEP + 3, "the new owner's reminder")
    [reminder] = replies(slack, new_alert)
    assert "has been waiting 2s" in reminder.text, reminder.text
    wait_until(
        lambda: len(slack.fake.messages_in("UMGR1")) == 2, ESCALATE + SWEEP + 3, "escalation 2"
    )
    second = slack.fake.messages_in("UMGR1")[-1]
    assert "<@UREP2>" in second.text and "waiting 4s" in second.text, second.text


def test_every_link_opens_for_its_reader(running: RunningApp, slack: FakeSlackServer) -> None:
    """Found 4: the Nudge DM links to the rep's alert; the manager's `/leads stale` links to
    the escalation the manager got, never to the rep's DM (which the manager cannot open)."""
    post_hot_lead(running)
    alert = top_level(slack, "UREP1", "Ada Lovelace")
    escalation = top_level(slack, "UMGR1", "Ada Lovelace", timeout=ESCALATE + SWEEP + 4)

    click(running, slack, escalation, LadderIds.NUDGE, user="UMGR1")
    nudge = top_level(slack, "UREP1", "asks you to follow up")
    to_alert = f"channel={alert.channel}&amp;message_ts={alert.ts}|its alert>"
    assert to_alert in str(nudge.blocks), nudge.blocks
    validate_blocks(nudge.blocks or [])

    answer = leads_stale(running, slack, "UMGR1")
    validate_blocks(answer["blocks"])
    shown = json.dumps(answer["blocks"])
    assert f"channel={escalation.channel}&amp;message_ts={escalation.ts}|escalation>" in shown
    assert alert.channel not in shown
