"""Untouched leads move on (issue 14, REASSIGN_AFTER) through the running app, with a
controlled clock: the whole ladder, twice moved, then it stays with the manager.

HOT_LEAD_SLA=15m, ESCALATE_AFTER=1h, REASSIGN_AFTER=90m, MAX_REASSIGNS=2, WORKING_HOURS=always.
The team's reps in turn order: Noah (UREP3, no manager: escalations go to the sales channel),
Ravi (UREP2), Rita (UREP1); Maria (UMGR1) manages Ravi and Rita. time-machine moves the
process's clock (`test_ladder_hours.at`); the sweep still runs every second of real time.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from bot.messages import validate_blocks
from sandbox.fakeslack import Message
from tests.scenarios.test_ladder import post_hot_lead, replies, top_level, wait_until
from tests.scenarios.test_ladder_hours import at
from tests.scenarios.test_ladder_truth import buttons
from tests.scenarios.test_routing import leads
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp, app_settings

START = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # a Wednesday
MIN = timedelta(minutes=1)


@pytest.fixture
def app_config(settings: Settings, slack: FakeSlackServer, db_url: str) -> Settings:
    return app_settings(
        settings,
        slack.url,
        db_url,
        hot_lead_sla=timedelta(minutes=15),
        escalate_after=timedelta(hours=1),
        reassign_after=timedelta(minutes=90),
        max_reassigns=2,
        sweep_interval=timedelta(seconds=1),
    )


def reassigns_counted(running: RunningApp) -> float:
    """`handoff_pings_sent_total{step="reassign"}` from GET /metrics (0 before the first)."""
    response = running.http.get("/metrics")
    assert response.status_code == 200
    found = re.search(r'^handoff_pings_sent_total\{step="reassign"\} (\S+)$', response.text, re.M)
    return float(found.group(1)) if found else 0.0


def top_levels(slack: FakeSlackServer, channel: str) -> list[Message]:
    return [m for m in slack.fake.messages_in(channel) if m.thread_ts is None]


def test_an_untouched_lead_moves_on_through_the_whole_ladder(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    # The managers' digest (its own tests cover it) would DM Maria when the clock jumps.
    running.handoff.scheduler.aps.remove_job("digest-refresh")
    counted = reassigns_counted(running)

    step = at(running, START)
    try:
        post_hot_lead(running, "move-1", owner="UREP1")
        rita = top_level(slack, "UREP1", "Ada Lovelace")
    finally:
        step.stop()

    # Rita: reminder at 15m, escalation to Maria at 1h, the move at 1h 30m.
    step = at(running, START + 16 * MIN)
    try:
        wait_until(lambda: replies(slack, rita), 5, "Rita's reminder")
    finally:
        step.stop()
    assert "later it moves on to another rep" in str(replies(slack, rita)[0].blocks)
    step = at(running, START + 61 * MIN)
    try:
        escalation = top_level(slack, "UMGR1", "Ada Lovelace", timeout=5)
    finally:
        step.stop()
    assert "has not acted" in str(escalation.blocks)

    step = at(running, START + 91 * MIN)
    try:
        noah = top_level(slack, "UREP3", "Ada Lovelace", timeout=5)
        wait_until(lambda: escalation.edited and rita.edited, 5, "the updates in place")
    finally:
        step.stop()
    assert "Reassigned to you after 1h 30m untouched (from <@UREP1>)" in str(noah.blocks)
    shown = str(escalation.blocks)
    assert "Reassigned to <@UREP3> after 1h 30m untouched" in shown
    assert "has not acted" not in shown and buttons(escalation) == []
    shown = str(rita.blocks)
    assert "No longer yours" in shown and "Hot lead for you" not in shown
    assert "Reassigned to <@UREP3> after 1h 30m untouched" in shown and buttons(rita) == []
    assert len(top_levels(slack, "UMGR1")) == 1  # updated, not a second message

    # Noah's own ladder, from the move: reminder, escalation (sales channel), the move to Ravi
    # (Rita had it before).
    step = at(running, START + (91 + 16) * MIN)
    try:
        wait_until(lambda: replies(slack, noah), 5, "Noah's reminder")
        # Counted from the move (about 16m ago), not from the lead's arrival (1h 47m ago).
        assert re.search(r"waiting 1[56]m and", replies(slack, noah)[0].text)
    finally:
        step.stop()
    step = at(running, START + (91 + 61) * MIN)
    try:
        channel_escalation = top_level(slack, "CSALES", "Ada Lovelace", timeout=5)
    finally:
        step.stop()
    step = at(running, START + (91 + 91) * MIN)
    try:
        ravi = top_level(slack, "UREP2", "Ada Lovelace", timeout=5)
        wait_until(lambda: channel_escalation.edited and noah.edited, 5, "the updates")
    finally:
        step.stop()
    assert "Reassigned to you after 1h 30m untouched (from <@UREP3>)" in str(ravi.blocks)
    assert "Reassigned to <@UREP2> after 1h 30m untouched" in str(channel_escalation.blocks)
    assert top_levels(slack, "UREP1") == [rita]  # never back to Rita while Ravi was free

    # MAX_REASSIGNS reached: Ravi's ladder ends with the escalation to Maria; it stays.
    start = 182
    step = at(running, START + (start + 61) * MIN)
    try:
        wait_until(lambda: len(top_levels(slack, "UMGR1")) == 2, 5, "Ravi's escalation")
        wait_until(lambda: replies(slack, ravi), 5, "Ravi's reminder")
    finally:
        step.stop()
    second = top_levels(slack, "UMGR1")[-1]
    assert "<@UREP2>" in second.text and "has not acted" in str(second.blocks)
    assert "your manager is told." in str(replies(slack, ravi)[0].blocks)
    step = at(running, START + (start + 5 * 60) * MIN)
    try:
        shown = str(leads(running, slack, "UMGR1", "why move-1")["blocks"])
    finally:
        step.stop()
    assert top_levels(slack, "UREP1") == [rita] and top_levels(slack, "UREP3") == [noah]
    assert "Now with <@UREP2>: reassigned by Handoff after 1h 30m untouched" in shown
    assert "*Moved on from <@UREP1>* (untouched)" in shown
    assert "*Moved on from <@UREP3>* (untouched)" in shown and "chose <@UREP2>" in shown

    assert reassigns_counted(running) == counted + 2

    for channel in ("UREP1", "UREP2", "UREP3", "UMGR1", "CSALES"):
        for message in slack.fake.messages_in(channel):
            validate_blocks(message.blocks or [])


def test_nobody_else_working_the_escalation_says_it_stays(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    running.handoff.scheduler.aps.remove_job("digest-refresh")
    step = at(running, START)
    try:
        for rep in ("UREP2", "UREP3"):
            assert "You are away" in leads(running, slack, rep, "away")["text"]
        post_hot_lead(running, "stuck-1", owner="UREP1")
        rita = top_level(slack, "UREP1", "Ada Lovelace")
    finally:
        step.stop()
    step = at(running, START + 16 * MIN)
    try:
        wait_until(lambda: replies(slack, rita), 5, "the reminder")
    finally:
        step.stop()
    step = at(running, START + 61 * MIN)
    try:
        escalation = top_level(slack, "UMGR1", "Ada Lovelace", timeout=5)
    finally:
        step.stop()
    step = at(running, START + 91 * MIN)
    try:
        wait_until(lambda: replies(slack, escalation), 5, "the note in its thread")
    finally:
        step.stop()
    [note] = replies(slack, escalation)
    assert "nobody else in the team is working and free now" in str(note.blocks)
    assert "it stays with <@UREP1>" in str(note.blocks)
    validate_blocks(note.blocks or [])
    assert top_levels(slack, "UREP2") == [] and top_levels(slack, "UREP3") == []
    assert buttons(escalation)  # still waiting: Reassign and Nudge stay
    assert not rita.edited
