"""The escalation's buttons through the real endpoints: Nudge (the ladder's) and Reassign
(the alerts'), clicked by the manager on the escalation DM."""

from __future__ import annotations

import json

from bot.ids import LadderIds, LeadIds
from bot.messages import validate_blocks
from tests.scenarios import test_ladder
from tests.scenarios.test_ladder import (
    ESCALATE,
    SLA,
    SWEEP,
    click,
    lead_row,
    post_hot_lead,
    replies,
    top_level,
    wait_until,
)
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp

app_config = test_ladder.app_config  # the short-durations fixture


def test_the_manager_nudges_the_rep_from_the_escalation(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    post_hot_lead(running)
    escalation = top_level(slack, "UMGR1", "Ada Lovelace", timeout=ESCALATE + SWEEP + 4)

    click(running, slack, escalation, LadderIds.NUDGE, user="UREP2")
    refusal = slack.fake.wait_for("response_url")[-1]
    assert "Only the rep's manager or an admin" in refusal["text"]

    click(running, slack, escalation, LadderIds.NUDGE, user="UMGR1")
    nudge = top_level(slack, "UREP1", "asks you to follow up")
    assert "<@UMGR1>" in nudge.text
    validate_blocks(nudge.blocks or [])
    slack.fake.wait_for("response_url", predicate=lambda a: "Nudged" in a.get("text", ""))
    wait_until(lambda: escalation.edited, 3, "the escalation to show the nudge")
    assert "<@UMGR1> nudged <@UREP1>" in str(escalation.blocks)
    assert LadderIds.NUDGE not in str(escalation.blocks)


def test_reassigning_from_the_escalation_starts_the_new_owners_ladder(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    lead_id = post_hot_lead(running)
    escalation = top_level(slack, "UMGR1", "Ada Lovelace", timeout=ESCALATE + SWEEP + 4)
    click(running, slack, escalation, LeadIds.REASSIGN, user="UMGR1")
    opened = slack.fake.wait_for("views.open")[-1]
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    submission = {
        "type": "view_submission",
        "user": {"id": "UMGR1", "username": "umgr1", "team_id": "T0001"},
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
                            "selected_option": {"value": "UREP2"},
                        }
                    }
                }
            },
        },
    }
    assert running.slack.interaction(submission).status_code == 200

    new_alert = top_level(slack, "UREP2", "Ada Lovelace")
    wait_until(lambda: replies(slack, new_alert), SLA + SWEEP + 3, "the new owner's reminder")
    assert lead_row(running, lead_id).ladder_cycle == 2
    wait_until(
        lambda: len(slack.fake.messages_in("UMGR1")) == 2, ESCALATE + SWEEP + 3, "escalation 2"
    )
    second = slack.fake.messages_in("UMGR1")[-1]
    assert "<@UREP2>" in second.text
