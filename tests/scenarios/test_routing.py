"""Round robin through the real endpoints: an owner-less hot lead goes to the next working
rep, whose alert says how they got it; `/leads away` and `/leads back` take a rep out of the
rotation and back; nobody eligible: the sales channel says why; `/leads why` shows it all to
managers and admins."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from bot.config import Settings
from bot.messages import validate_blocks
from tests.scenarios.test_ladder import top_level
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp, app_settings


@pytest.fixture
def app_config(settings: Settings, slack: FakeSlackServer, db_url: str) -> Settings:
    return replace(app_settings(settings, slack.url, db_url), routing="round_robin")


def leads(running: RunningApp, slack: FakeSlackServer, user: str, text: str) -> dict[str, Any]:
    before = len(slack.fake.calls_to("response_url"))
    response = running.slack.command(
        "/leads", text, user=user, response_url=slack.response_url("CSALES", user=user)
    )
    assert response.status_code == 200
    return slack.fake.wait_for("response_url", count=before + 1)[-1]


def post(running: RunningApp, external_id: str, name: str) -> None:
    response = running.post_leads({"id": external_id, "name": name, "score": 95})
    assert response.status_code == 202, response.text


def test_round_robin_away_back_and_why(running: RunningApp, slack: FakeSlackServer) -> None:
    # The team's reps, by name: Noah (UREP3), Ravi (UREP2), Rita (UREP1). Rita is away.
    answer = leads(running, slack, "UREP1", "away for 3d")
    assert "You are away" in answer["text"]
    validate_blocks(answer["blocks"])

    post(running, "rr-1", "First Lead")
    post(running, "rr-2", "Second Lead")
    post(running, "rr-3", "Third Lead")
    first = top_level(slack, "UREP3", "First Lead")
    assert "round robin" in str(first.blocks)
    validate_blocks(first.blocks or [])
    top_level(slack, "UREP2", "Second Lead")
    top_level(slack, "UREP3", "Third Lead")
    assert slack.fake.messages_in("UREP1") == []

    assert "You are back" in leads(running, slack, "UREP1", "back")["text"]
    post(running, "rr-4", "Fourth Lead")
    post(running, "rr-5", "Fifth Lead")
    top_level(slack, "UREP2", "Fourth Lead")  # Ravi's turn was due; then Rita's
    top_level(slack, "UREP1", "Fifth Lead")

    shown = str(leads(running, slack, "UMGR1", "why rr-1")["blocks"])
    assert "Round robin in the team" in shown and "chose <@UREP3>" in shown
    assert "<@UREP1> (away until" in shown
    refusal = leads(running, slack, "UREP2", "why rr-1")
    assert "for managers and admins" in refusal["text"]
    assert "There is no lead" in leads(running, slack, "UADMIN", "why nope")["text"]
    assert "Usage" in leads(running, slack, "UREP1", "away someday")["text"]


def test_nobody_eligible_goes_to_the_sales_channel_with_the_reason(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    for rep in ("UREP1", "UREP2", "UREP3"):
        leads(running, slack, rep, "away")
    post(running, "rr-9", "Lonely Lead")
    offer = top_level(slack, "CSALES", "Lonely Lead")
    assert "nobody in the team is working and free now" in str(offer.blocks)
    validate_blocks(offer.blocks or [])
