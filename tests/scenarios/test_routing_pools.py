"""Campaign pools through the real endpoints: the campaign form's "Reps" is stored, shown on the
announcement and prefilled when editing; a lead of that campaign goes only to those reps, in a
rotation of its own; someone who takes no leads is refused on the field; nobody in the pool
working: the sales channel's offer names the pool, and `/leads why` does too."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.ids import CampaignIds as Ids
from bot.ids import HomeIds
from bot.messages import validate_blocks
from bot.models import Campaign, CampaignRep, RoutingTurn
from tests.scenarios.campaign_steps import (
    BRIEF,
    command,
    create_campaign,
    opened_view,
    submit,
)
from tests.scenarios.home_steps import open_home, press, text_of, view_of
from tests.scenarios.test_ladder import top_level
from tests.scenarios.test_routing import leads
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp, app_settings

POOL = "the Spring Webinar pool"


@pytest.fixture
def app_config(settings: Settings, slack: FakeSlackServer, db_url: str) -> Settings:
    return replace(app_settings(settings, slack.url, db_url), routing="round_robin")


def post(running: RunningApp, external_id: str, name: str, campaign: str | None) -> None:
    lead = {"id": external_id, "name": name, "score": 95}
    if campaign:
        lead["campaign"] = campaign
    response = running.post_leads(lead)
    assert response.status_code == 202, response.text


def test_a_campaigns_reps_get_its_leads_in_turn(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    # Rita (UREP1) and Noah (UREP3) work the Spring Webinar; Ravi (UREP2) does not.
    brief = create_campaign(running, slack, reps=["UREP1", "UREP3"])
    assert "<@UREP1>" in str(brief.blocks) and "<@UREP3>" in str(brief.blocks)
    assert "Its leads with no owner go to" in str(brief.blocks)
    validate_blocks(brief.blocks or [])
    with running.handoff.db.session() as session:
        campaign = session.scalars(select(Campaign)).one()
        stored = session.scalars(
            select(CampaignRep.slack_id).where(CampaignRep.campaign_id == campaign.id)
        )
        assert sorted(stored) == ["UREP1", "UREP3"]

    for n in range(1, 5):
        post(running, f"sw-{n}", f"Webinar Lead {n}", "spring-webinar")
    post(running, "plain-1", "Plain Lead", None)  # no campaign: the whole team's rotation

    # By name: Noah, then Rita, in turn; Ravi gets none of the campaign's leads.
    first = top_level(slack, "UREP3", "Webinar Lead 1")
    assert f"round robin among the working reps of {POOL}" in str(first.blocks)
    validate_blocks(first.blocks or [])
    top_level(slack, "UREP1", "Webinar Lead 2")
    top_level(slack, "UREP3", "Webinar Lead 3")
    top_level(slack, "UREP1", "Webinar Lead 4")
    plain = top_level(slack, "UREP3", "Plain Lead")  # the team's own turns start afresh
    assert "round robin among the working reps of the team" in str(plain.blocks)
    assert all("Webinar Lead" not in m.text for m in slack.fake.messages_in("UREP2"))
    with running.handoff.db.session() as session:
        pools = set(session.scalars(select(RoutingTurn.pool)))
    assert pools == {f"campaign:{campaign.id}", "team"}

    shown = str(leads(running, slack, "UMGR1", "why sw-1")["blocks"])
    assert f"round robin in {POOL}" in shown and f"Round robin in {POOL}" in shown
    assert "<@UREP2>" not in shown  # not in the pool, so not even considered

    # Editing shows the reps picked; saving with none gives the leads to the whole team.
    command(running, slack, "edit spring-webinar")
    view = opened_view(slack, 2)
    reps = next(b for b in view["blocks"] if b.get("block_id") == Ids.REPS_BLOCK)
    assert reps["element"]["initial_users"] == ["UREP3", "UREP1"]  # by name
    validate_blocks(view["blocks"], 100)
    response = submit(running, view, **{**BRIEF, "reps": []})
    assert response.content in (b"", b"{}"), response.text
    slack.fake.wait_for("chat.update", predicate=lambda a: a["channel"] == "CSALES")
    with running.handoff.db.session() as session:
        assert session.scalars(select(CampaignRep)).all() == []
    post(running, "sw-5", "Webinar Lead 5", "spring-webinar")
    later = top_level(slack, "UREP2", "Webinar Lead 5")  # the team's turn: Ravi's, after Noah
    assert "round robin among the working reps of the team" in str(later.blocks)


def test_reps_who_take_no_leads_are_refused_on_the_field(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    command(running, slack)
    picked = ["UREP1", "UMKT1", "UMGR1", "UOUTSIDER"]
    response = submit(running, opened_view(slack), **{**BRIEF, "reps": picked})
    body = response.json()
    assert body["response_action"] == "errors"
    assert list(body["errors"]) == [Ids.REPS_BLOCK]  # nothing else typed is questioned
    error = body["errors"][Ids.REPS_BLOCK]
    assert "Mark Marketer is a marketer" in error
    assert "Maria Manager is a manager who takes no leads" in error
    assert "is not on the team roster" in error
    assert "Rita" not in error
    with running.handoff.db.session() as session:
        assert session.scalar(select(Campaign)) is None
    assert slack.fake.calls_to("chat.postMessage") == []


def test_nobody_working_in_the_pool_the_offer_names_it(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    create_campaign(running, slack, reps=["UREP1"])
    leads(running, slack, "UREP1", "away for 3d")
    post(running, "sw-9", "Lonely Webinar Lead", "spring-webinar")
    offer = top_level(slack, "CSALES", "Lonely Webinar Lead")
    assert f"nobody in {POOL} is working and free now" in str(offer.blocks)
    validate_blocks(offer.blocks or [])
    assert slack.fake.messages_in("UREP2") == [] and slack.fake.messages_in("UREP3") == []
    answer = leads(running, slack, "UADMIN", "why sw-9")
    assert "blocks" in answer, answer
    shown = str(answer["blocks"])
    assert f"Round robin in {POOL}" in shown and "<@UREP1> (away until" in shown


def test_a_pool_name_is_shown_as_typed(running: RunningApp, slack: FakeSlackServer) -> None:
    name = "<!channel> Big & Bold launch"
    create_campaign(running, slack, name=name, code="big-launch", reps=["UREP1"])
    leads(running, slack, "UREP1", "away")
    post(running, "bl-1", "Launch Lead", "big-launch")
    offer = top_level(slack, "CSALES", "Launch Lead")
    text = str(offer.blocks)
    assert "nobody in the &lt;!channel&gt; Big &amp; Bold launch pool is working" in text
    assert "<!channel>" not in text
    validate_blocks(offer.blocks or [])


def test_the_marketers_home_card_names_the_reps_and_its_edit_keeps_them(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    create_campaign(running, slack, reps=["UREP1", "UREP3"])
    with running.handoff.db.session() as session:
        campaign_id = session.scalars(select(Campaign.id)).one()
    view = open_home(running, slack, "UMKT1")
    assert "Its leads with no owner go to <@UREP3>, <@UREP1>" in text_of(view)
    before = len(slack.fake.calls_to("views.open"))
    press(running, view, HomeIds.EDIT_CAMPAIGN, user="UMKT1", value=str(campaign_id))
    form = view_of(slack.fake.wait_for("views.open", count=before + 1)[-1])
    reps = next(b for b in form["blocks"] if b.get("block_id") == Ids.REPS_BLOCK)
    assert reps["element"]["type"] == "multi_users_select"
    assert reps["element"]["initial_users"] == ["UREP3", "UREP1"]
