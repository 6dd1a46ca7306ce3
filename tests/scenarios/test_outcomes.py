"""Outcomes through the running app: leads in, touches, stage updates from the native /leads
`stage` field and from the alert's outcome menu (Meeting booked, Won, Lost), and then
`/campaign stats` shows the funnel and the conversion beside the team's."""

from __future__ import annotations

from typing import Any

import pytest

from bot.config import Settings
from bot.ids import LeadIds
from bot.messages import validate_blocks
from tests.scenarios.campaign_steps import command, create_campaign, replies_to
from tests.scenarios.test_ladder import (
    click,
    ladder_config,
    lead_row,
    post_hot_lead,
    top_level,
    wait_until,
)
from tests.scenarios.test_stages import history, latest
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp


@pytest.fixture
def app_config(settings: Settings, slack: FakeSlackServer, db_url: str) -> Settings:
    return ladder_config(settings, slack, db_url)


def outcome_menu(message: Any) -> dict[str, Any] | None:
    return next(
        (
            e
            for b in message.blocks
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"] == LeadIds.OUTCOME
        ),
        None,
    )


def test_the_outcome_menu_records_meeting_then_won(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    lead_id = post_hot_lead(running)
    alert = top_level(slack, "UREP1", "Ada Lovelace")
    assert outcome_menu(alert) is None  # not contacted yet
    click(running, slack, alert, LeadIds.CONTACTED, user="UREP1")
    wait_until(
        lambda: outcome_menu(latest(slack, "UREP1", alert.ts)) is not None, 5, "the outcome menu"
    )
    menu = outcome_menu(latest(slack, "UREP1", alert.ts))
    assert menu is not None and menu["type"] == "overflow"
    assert [o["text"]["text"] for o in menu["options"]] == ["Meeting booked", "Won", "Lost"]

    # Another rep may not; the owner's manager may.
    click(
        running,
        slack,
        latest(slack, "UREP1", alert.ts),
        LeadIds.OUTCOME,
        user="UREP2",
        option=f"{lead_id}:won",
    )
    assert any("Only the lead's owner" in r for r in replies_to(slack, "UREP2"))
    click(
        running,
        slack,
        latest(slack, "UREP1", alert.ts),
        LeadIds.OUTCOME,
        user="UMGR1",
        option=f"{lead_id}:meeting",
    )
    wait_until(lambda: lead_row(running, lead_id).stage == "meeting", 5, "the meeting")
    wait_until(
        lambda: "Stage: Meeting booked" in str(latest(slack, "UREP1", alert.ts).blocks),
        5,
        "the alert to show the meeting",
    )
    updated = latest(slack, "UREP1", alert.ts)
    validate_blocks(updated.blocks)
    menu = outcome_menu(updated)
    assert menu is not None
    assert [o["text"]["text"] for o in menu["options"]] == ["Won", "Lost"]

    click(running, slack, updated, LeadIds.OUTCOME, user="UREP1", option=f"{lead_id}:won")
    wait_until(lambda: lead_row(running, lead_id).stage == "won", 5, "the win")
    assert history(running, lead_id) == [
        ("new", "working", "slack", "UREP1"),
        ("working", "meeting", "slack", "UMGR1"),
        ("meeting", "won", "slack", "UREP1"),
    ]
    wait_until(lambda: "Stage: Won" in str(latest(slack, "UREP1", alert.ts).blocks), 5, "Won")


def test_a_forged_outcome_is_refused(running: RunningApp, slack: FakeSlackServer) -> None:
    lead_id = post_hot_lead(running)
    alert = top_level(slack, "UREP1", "Ada Lovelace")
    click(running, slack, alert, LeadIds.CONTACTED, user="UREP1")
    wait_until(
        lambda: outcome_menu(latest(slack, "UREP1", alert.ts)) is not None, 5, "the outcome menu"
    )
    contacted = latest(slack, "UREP1", alert.ts)
    menu = outcome_menu(contacted)
    assert menu is not None
    menu["options"].append({"text": {"type": "plain_text", "text": "x"}, "value": f"{lead_id}:new"})
    click(running, slack, contacted, LeadIds.OUTCOME, user="UREP1", option=f"{lead_id}:new")
    assert any("out of date" in r for r in replies_to(slack, "UREP1"))
    assert lead_row(running, lead_id).stage == "working"


def test_stats_show_the_funnel_from_native_and_slack_stages(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    create_campaign(running, slack)
    for n in range(1, 5):
        post_hot_lead(running, f"S-{n}", name=f"Spring {n}", campaign="spring-webinar")
    post_hot_lead(running, "O-1", name="Other one")
    # A CRM reports S-1 won and S-2 at a meeting (the native /leads stage field) ...
    for external_id, stage in (("S-1", "won"), ("S-2", "meeting")):
        response = running.post_leads(
            {"id": external_id, "name": "x", "campaign": "spring-webinar", "stage": stage}
        )
        assert response.status_code == 202, response.text
    # ... and a rep marks S-3 contacted, then lost, in Slack.
    alert = top_level(slack, "UREP1", "Spring 3")
    click(running, slack, alert, LeadIds.CONTACTED, user="UREP1")
    wait_until(lambda: outcome_menu(latest(slack, "UREP1", alert.ts)) is not None, 5, "menu")
    s3 = next(
        o["value"]
        for o in outcome_menu(latest(slack, "UREP1", alert.ts))["options"]  # type: ignore[index]
        if o["value"].endswith(":lost")
    )
    click(
        running, slack, latest(slack, "UREP1", alert.ts), LeadIds.OUTCOME, user="UREP1", option=s3
    )
    wait_until(lambda: lead_row(running, int(s3.split(":")[0])).stage == "lost", 5, "the loss")

    command(running, slack, "stats spring-webinar", user="UREP2")
    stats = replies_to(slack, "UREP2")[0]
    assert "*Leads*\\n4\\n_team 5 in all_" in stats
    assert "*Contacted*\\n3 (75%)\\n_team 60% · better_" in stats
    assert "*Meetings*\\n2 (50%)" in stats
    assert "*Won (of leads)*\\n1 (25%)\\n_team 20% · better_" in stats
    assert "*Won (of hot leads)*\\n1 (25%)" in stats
