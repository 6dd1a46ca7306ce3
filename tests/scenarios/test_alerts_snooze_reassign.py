"""Snoozes can be changed and cancelled, and the Reassign list offers only people who take
leads (issue 14, "Found" 5 and 6), through the real endpoints."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.ids import LeadIds
from bot.messages import validate_blocks
from bot.models import utcnow
from bot.people import import_roster
from tests.scenarios import test_ladder
from tests.scenarios.test_ladder import (
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


def test_a_snooze_can_be_changed_and_cancelled(running: RunningApp, slack: FakeSlackServer) -> None:
    lead_id = post_hot_lead(running)
    alert = top_level(slack, "UREP1", "Ada Lovelace")
    click(running, slack, alert, LeadIds.SNOOZE, user="UREP1", option=f"{lead_id}:4h")
    wait_until(lambda: lead_row(running, lead_id).status == "snoozed", 5, "the snooze")
    wait_until(lambda: LeadIds.WAKE in str(alert.blocks), 5, "the alert to offer Cancel snooze")
    validate_blocks(alert.blocks or [])
    assert "Change snooze" in str(alert.blocks)

    before = utcnow()
    click(running, slack, alert, LeadIds.SNOOZE, user="UREP1", option=f"{lead_id}:30m")
    wait_until(
        lambda: (
            (until := lead_row(running, lead_id).snoozed_until) is not None
            and until < before + timedelta(hours=1)
        ),
        5,
        "the snooze to change to 30 minutes",
    )
    assert lead_row(running, lead_id).next_due_at == lead_row(running, lead_id).snoozed_until

    click(running, slack, alert, LeadIds.WAKE, user="UREP1")
    wait_until(lambda: lead_row(running, lead_id).status == "new", 5, "the snooze to be cancelled")
    stored = lead_row(running, lead_id)
    assert stored.snoozed_until is None and stored.ladder_cycle == 2
    wait_until(lambda: LeadIds.WAKE not in str(alert.blocks), 5, "the alert to drop the button")
    # The clock starts from zero: the reminder follows HOT_LEAD_SLA after the cancel.
    wait_until(lambda: replies(slack, alert), SLA + SWEEP + 3, "the reminder")

    click(running, slack, alert, LeadIds.ACK, user="UREP1")
    wait_until(lambda: lead_row(running, lead_id).status == "claimed", 5, "I'm on it")


def offered(running: RunningApp, slack: FakeSlackServer, user: str) -> list[str]:
    alert = top_level(slack, "UREP1", "Ada Lovelace")
    calls = len(slack.fake.calls_to("views.open"))
    click(running, slack, alert, LeadIds.REASSIGN, user=user)
    wait_until(lambda: len(slack.fake.calls_to("views.open")) > calls, 5, "the Reassign form")
    opened = slack.fake.calls_to("views.open")[-1]
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    return [o["value"] for o in view["blocks"][1]["element"]["options"]]


def test_the_reassign_list_offers_only_people_who_take_leads(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    post_hot_lead(running)
    # Reps only: not the manager, the marketer or the admin (and not the owner).
    assert sorted(offered(running, slack, "UMGR1")) == ["UREP2", "UREP3"]
    with running.handoff.db.session() as session:
        import_roster(
            session,
            "slack_id,email,name,role,manager,tz,weight\n"
            "UMGR1,maria@example.com,Maria Manager,manager,,America/New_York,1\n",
        )
    # A manager who takes leads (a roster weight) is offered too.
    assert sorted(offered(running, slack, "UMGR1")) == ["UMGR1", "UREP2", "UREP3"]
