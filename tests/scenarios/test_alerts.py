"""Hot-lead alerts through POST /leads and the fake Slack: content, speed, and when none go out."""

from __future__ import annotations

import json
import time

from bot.ids import FeedbackIds, LeadIds
from bot.messages import validate_blocks
from bot.models import Campaign
from tests.scenarios.test_alerts_support import (
    action_ids,
    delivered,
    hot_lead,
    lead_id,
    outbox_rows,
    wait_update,
)
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.outbox_rows import outbox_messages
from tests.support.running_app import RunningApp


def add_campaign(running: RunningApp) -> None:
    with running.handoff.db.session() as session:
        session.add(
            Campaign(
                code="spring-webinar",
                name="Spring Webinar",
                offer="Free 30-day pilot",
                talking_points="Ask how they report today",
                landing_url="https://example.com/spring",
            )
        )


def test_a_hot_lead_reaches_its_owner_with_the_campaign(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    """How fast is bench/lead_alert_latency.py's to say (speed is never a timed assertion
    here: it failed on a loaded machine)."""
    add_campaign(running)
    response = running.post_leads(
        hot_lead(
            1,
            name="Grace Hopper",
            title="VP Engineering",
            company="Navy & Co",
            email="grace@navy.example",
            phone="+1 (555) 010-0199",
            source="webinar",
            note="Wants <!channel> pricing",
            campaign="Spring-Webinar",
        )
    )
    assert response.status_code == 202
    alert = delivered(slack, "UREP1", "Grace Hopper")
    validate_blocks(alert.blocks or [])
    body = json.dumps(alert.blocks)
    for shown in (
        "VP Engineering at Navy &amp; Co",
        "<mailto:grace@navy.example|grace@navy.example>",
        "<tel:+15550100199|+1 (555) 010-0199>",
        "*Score*\\n95",
        "webinar",
        "Wants &lt;!channel&gt; pricing",
        "*Campaign:* Spring Webinar",
        "Free 30-day pilot",
        "Ask how they report today",
        "<https://example.com/spring|https://example.com/spring>",
    ):
        assert shown in body, shown
    assert action_ids(alert.blocks) == [
        LeadIds.ACK,
        LeadIds.CONTACTED,
        LeadIds.SNOOZE,
        LeadIds.NOT_FIT,
        LeadIds.REASSIGN,
        FeedbackIds.LEAD_FEEDBACK_BUTTON,
    ]
    feedback = [e for b in alert.blocks or [] if b["type"] == "actions" for e in b["elements"]][-1]
    assert feedback["value"] == str(lead_id(running, "crm-1"))


def test_no_campaign_and_unknown_codes_are_said_plainly(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    running.post_leads(
        [
            hot_lead(1, name="Without Campaign"),
            hot_lead(2, name="Odd Code", campaign="autumn-mystery"),
        ]
    )
    plain = delivered(slack, "UREP1", "Without Campaign")
    odd = delivered(slack, "UREP1", "Odd Code")
    assert "No campaign" in json.dumps(plain.blocks)
    assert "unknown campaign code `autumn-mystery`" in json.dumps(odd.blocks)


def test_cold_leads_are_stored_but_never_alerted(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    response = running.post_leads([hot_lead(1, score=20), hot_lead(2, score=30, owner=None)])
    assert response.json()["accepted"] == 2 and response.json()["hot"] == 0
    assert outbox_rows(running) == 0
    time.sleep(0.2)
    assert slack.fake.calls_to("chat.postMessage") == []
    assert outbox_rows(running) == 0


def test_a_resent_lead_is_never_alerted_twice(running: RunningApp, slack: FakeSlackServer) -> None:
    running.post_leads(hot_lead(1, name="Twice Sent"))
    delivered(slack, "UREP1", "Twice Sent")
    rows = outbox_rows(running)
    response = running.post_leads(hot_lead(1, name="Twice Sent", note="asked again"))
    assert response.json()["updated"] == 1
    assert outbox_rows(running) == rows
    time.sleep(0.2)
    assert len(slack.fake.calls_to("chat.postMessage")) == 1
    assert outbox_rows(running) == rows
    assert len(outbox_messages(running.handoff.db, "chat.postMessage")) == 1


def test_a_cold_lead_that_turns_hot_alerts_once(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    running.post_leads(hot_lead(1, name="Warming Up", score=50))
    running.post_leads(hot_lead(1, name="Warming Up", score=85))
    running.post_leads(hot_lead(1, name="Warming Up", score=99))
    delivered(slack, "UREP1", "Warming Up")
    time.sleep(0.2)
    assert len(slack.fake.calls_to("chat.postMessage")) == 1
    [alert] = outbox_messages(running.handoff.db, "chat.postMessage")
    assert alert.key == f"lead:{lead_id(running, 'crm-1')}:alert:UREP1"


def test_a_changed_owner_is_a_reassignment(running: RunningApp, slack: FakeSlackServer) -> None:
    running.post_leads(hot_lead(1, name="Moving Lead"))
    old = delivered(slack, "UREP1", "Moving Lead")
    running.post_leads(hot_lead(1, name="Moving Lead", owner="UREP2"))
    new = delivered(slack, "UREP2", "Moving Lead")
    assert LeadIds.ACK in action_ids(new.blocks)
    update = wait_update(slack, old, "Reassigned to <@UREP2> by the CRM")
    assert action_ids(update["blocks"]) == []


def test_an_unassigned_hot_lead_is_offered_in_the_sales_channel(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    running.post_leads(hot_lead(1, name="Up For Grabs", owner=None))
    offer = delivered(slack, "CSALES", "Up For Grabs")
    assert action_ids(offer.blocks) == [LeadIds.CLAIM]
    running.post_leads(hot_lead(1, name="Up For Grabs", owner="UREP3"))
    delivered(slack, "UREP3", "Up For Grabs")
    update = wait_update(slack, offer, "Assigned to <@UREP3> by the CRM")
    assert action_ids(update["blocks"]) == []


def _mrkdwn_texts(node: object) -> list[dict]:
    """Every mrkdwn text object in a block tree."""
    found: list[dict] = []
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and "text" in node:
            found.append(node)
        for value in node.values():
            found.extend(_mrkdwn_texts(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_mrkdwn_texts(value))
    return found


def test_lead_text_reaches_the_rep_as_typed_not_formatted_or_linked(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    """CRM text with Slack's formatting characters, a URL and a channel name: in the alert the
    rep gets, each text object holding it is verbatim (no auto-links) and the formatting
    characters are inert, so nothing turns bold, italic, struck, code, quoted or linked."""
    response = running.post_leads(
        hot_lead(
            7,
            name="Mallory *Boss* _Ital_ ~Gone~ `code`",
            company="https://evil.example #general",
            note="> quoted\nwww.evil.example",
        )
    )
    assert response.status_code == 202
    alert = delivered(slack, "UREP1", "Mallory")
    texts = [
        t for t in _mrkdwn_texts(alert.blocks) if "Mallory" in t["text"] or "evil" in t["text"]
    ]
    assert texts, alert.blocks
    for obj in texts:
        assert obj.get("verbatim") is True, obj
        shown = obj["text"]
        for raw in ("*Boss*", "_Ital_", "~Gone~", "`code`", "\n> quoted"):
            assert raw not in shown, (raw, shown)
        assert "<http" not in shown and "<#" not in shown, shown
    for raw in ("*Boss*", "_Ital_", "~Gone~", "`code`"):
        assert raw not in alert.text, (raw, alert.text)
