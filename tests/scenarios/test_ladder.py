"""The ladder through the real endpoints: POST /leads, signed button clicks, the fake Slack.

Short durations (HOT_LEAD_SLA=2s, ESCALATE_AFTER=4s, SWEEP_INTERVAL=1s, WORKING_HOURS=always)
let the whole ladder play out in a few seconds of real time.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.ids import LadderIds, LeadIds
from bot.messages import validate_blocks
from bot.models import Campaign, Lead
from sandbox.fakeslack import Message
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp, app_settings

SLA, ESCALATE, SWEEP = 2.0, 4.0, 1.0


@pytest.fixture
def app_config(settings: Settings, slack: FakeSlackServer, db_url: str) -> Settings:
    return ladder_config(settings, slack, db_url)


def ladder_config(settings: Settings, slack: FakeSlackServer, db_url: str) -> Settings:
    return app_settings(
        settings,
        slack.url,
        db_url,
        hot_lead_sla=timedelta(seconds=SLA),
        escalate_after=timedelta(seconds=ESCALATE),
        sweep_interval=timedelta(seconds=SWEEP),
    )


# -- steps ---------------------------------------------------------------------------------


def post_hot_lead(
    running: RunningApp, external_id: str = "L-1", owner: str = "UREP1", **extra: Any
) -> int:
    payload = {
        "id": external_id,
        "name": extra.pop("name", "Ada Lovelace"),
        "company": "Analytical Engines",
        "email": "ada@example.org",
        "score": 95,
        "owner": owner,
        **extra,
    }
    response = running.post_leads(payload)
    assert response.status_code == 202, response.text
    with running.handoff.db.session() as session:
        lead_id = session.scalar(select(Lead.id).where(Lead.external_id == external_id))
    assert lead_id is not None
    return lead_id


def top_level(slack: FakeSlackServer, channel: str, needle: str, timeout: float = 5) -> Message:
    """The first top-level message in `channel` whose text contains `needle`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in slack.fake.messages_in(channel):
            if message.thread_ts is None and needle in message.text:
                return message
        time.sleep(0.02)
    raise AssertionError(
        f"no message with {needle!r} in {channel}: {slack.fake.messages_in(channel)}"
    )


def replies(slack: FakeSlackServer, parent: Message) -> list[Message]:
    return [m for m in slack.fake.thread(parent.channel, parent.ts) if m.ts != parent.ts]


def wait_until(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def click(
    running: RunningApp,
    slack: FakeSlackServer,
    message: Message,
    action_id: str,
    *,
    user: str,
    option: str | None = None,
) -> None:
    """Click a button (or pick `option` of a select) on `message`, as Slack would send it."""
    block, element = next(
        (b, e)
        for b in message.blocks or []
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    )
    action: dict[str, Any] = {
        "type": element["type"],
        "action_id": action_id,
        "block_id": block["block_id"],
        "action_ts": str(time.time()),
    }
    if option is None:
        action["value"] = element["value"]
    else:
        action["selected_option"] = next(o for o in element["options"] if o["value"] == option)
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": "T0001"},
        "trigger_id": f"trig.{time.monotonic_ns()}",
        "response_url": slack.response_url(message.channel, user=user, message_ts=message.ts),
        "channel": {"id": message.channel},
        "container": {"type": "message", "message_ts": message.ts, "channel_id": message.channel},
        "message": {"ts": message.ts, "text": message.text, "blocks": message.blocks},
        "actions": [action],
    }
    assert running.slack.interaction(payload).status_code == 200


def lead_row(running: RunningApp, lead_id: int) -> Lead:
    with running.handoff.db.session() as session:
        return session.get(Lead, lead_id)  # type: ignore[return-value]


# -- scenarios -----------------------------------------------------------------------------


def test_reminder_in_the_thread_then_escalation_to_the_manager(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    with running.handoff.db.session() as session:
        session.add(
            Campaign(
                code="spring-webinar",
                name="Spring webinar",
                offer="Free audit",
                talking_points="Ask about their Q3 roll-out",
                landing_url="https://example.com/spring",
            )
        )
    # The ladder's clock starts when the lead is accepted, not when its alert lands (which
    # a loaded machine may delay): each step is measured from before the POST.
    accepted = time.time()
    lead_id = post_hot_lead(running, campaign="spring-webinar")
    alert = top_level(slack, "UREP1", "Ada Lovelace")

    wait_until(lambda: replies(slack, alert), SLA + SWEEP + 3, "the reminder")
    [reminder] = replies(slack, alert)
    assert float(reminder.ts) - accepted >= SLA - 0.2
    assert "Reminder" in reminder.text and "has been waiting 2s" in reminder.text
    validate_blocks(reminder.blocks or [])
    assert [m for m in slack.fake.messages_in("UREP1") if m.thread_ts is None] == [alert]

    escalation = top_level(slack, "UMGR1", "Ada Lovelace", timeout=ESCALATE + SWEEP + 3)
    assert float(escalation.ts) - accepted >= ESCALATE - 0.2
    shown = str(escalation.blocks)
    assert "<@UREP1>" in escalation.text and "has not acted on *Ada Lovelace*" in shown
    for context in (
        "Spring webinar",
        "Free audit",
        "Ask about their Q3 roll-out",
        "example.com/spring",
    ):
        assert context in shown
    validate_blocks(escalation.blocks or [])
    buttons = [e for b in escalation.blocks or [] if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b["text"]["text"]) for b in buttons] == [
        (LeadIds.REASSIGN, "Reassign"),
        (LadderIds.NUDGE, "Nudge"),
    ]

    time.sleep(SWEEP * 1.5)  # more sweeps run: nothing is sent again
    assert len(replies(slack, alert)) == 1
    assert len(slack.fake.messages_in("UMGR1")) == 1
    assert lead_row(running, lead_id).next_due_at is None


def test_a_rep_without_a_manager_escalates_to_the_sales_channel(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    post_hot_lead(running, owner="UREP3", name="Grace Hopper")
    alert = top_level(slack, "UREP3", "Grace Hopper")
    escalation = top_level(slack, "CSALES", "Grace Hopper", timeout=ESCALATE + SWEEP + 3)
    assert "<@UREP3> has no manager in Handoff" in str(escalation.blocks)
    assert len(replies(slack, alert)) == 1
    assert slack.fake.messages_in("UMGR1") == []


def test_im_on_it_stops_the_ladder(running: RunningApp, slack: FakeSlackServer) -> None:
    lead_id = post_hot_lead(running)
    alert = top_level(slack, "UREP1", "Ada Lovelace")
    click(running, slack, alert, LeadIds.ACK, user="UREP1")
    wait_until(lambda: lead_row(running, lead_id).status == "claimed", 3, "the claim")
    assert lead_row(running, lead_id).next_due_at is None

    started = lead_row(running, lead_id).clock_started_at
    assert started is not None
    remaining = ESCALATE + SWEEP + 0.5 - (time.time() - started.timestamp())
    time.sleep(max(0.0, remaining))  # past the escalation time plus a sweep
    assert replies(slack, alert) == []
    assert slack.fake.messages_in("UMGR1") == []


def test_a_snooze_restarts_the_clock_when_it_ends(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    lead_id = post_hot_lead(running)
    alert = top_level(slack, "UREP1", "Ada Lovelace")
    click(running, slack, alert, LeadIds.SNOOZE, user="UREP1", option=f"{lead_id}:30m")
    wait_until(lambda: lead_row(running, lead_id).status == "snoozed", 3, "the snooze")
    snoozed = lead_row(running, lead_id)
    assert snoozed.next_due_at == snoozed.snoozed_until
    assert snoozed.snoozed_until.timestamp() > time.time() + 29 * 60  # type: ignore[union-attr]

    time.sleep(SLA + SWEEP)  # the reminder would have been due by now: the snooze holds it
    assert replies(slack, alert) == []

    # Thirty minutes pass (we move the snooze's end to now rather than wait).
    with running.handoff.db.session() as session:
        lead = session.get(Lead, lead_id)
        lead.snoozed_until = lead.next_due_at = lead.status_at  # type: ignore[union-attr]
    wait_until(lambda: lead_row(running, lead_id).ladder_cycle == 2, SWEEP + 2, "a new cycle")
    restarted = lead_row(running, lead_id)
    assert restarted.status == "new" and restarted.snoozed_until is None
    wait_until(lambda: replies(slack, alert), SLA + SWEEP + 3, "the reminder after the snooze")
    [reminder] = replies(slack, alert)
    assert float(reminder.ts) - restarted.clock_started_at.timestamp() >= SLA - 0.2  # type: ignore[union-attr]


def test_while_slack_answers_429_and_503_the_ladder_waits_then_sends_once(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    post_hot_lead(running)
    alert = top_level(slack, "UREP1", "Ada Lovelace")
    # Slack is rate limiting from the alert until past the escalation's time, then errs twice.
    slack.fake.fail_for(ESCALATE + SWEEP + 1, status=429, retry_after=1, method="chat.postMessage")
    slack.fake.fail_next("chat.postMessage", status=503, count=2)
    slack.fake.wait_for("chat.postMessage", status=429, timeout=SLA + SWEEP + 2)

    escalation = top_level(slack, "UMGR1", "Ada Lovelace", timeout=ESCALATE + 15)
    # Each message retries on its own backoff, so the two may land in either order.
    wait_until(lambda: replies(slack, alert), 15, "the reminder, once Slack is back")
    time.sleep(SWEEP * 1.5)
    assert len(replies(slack, alert)) == 1
    assert slack.fake.messages_in("UMGR1") == [escalation]
    refused = slack.fake.calls_to("chat.postMessage", status=429)
    assert any(call.get("thread_ts") == alert.ts for call in refused), "the reminder met a 429"
    assert len(slack.fake.calls_to("chat.postMessage", status=503)) == 2
