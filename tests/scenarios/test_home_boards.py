"""Each role's Home through `app_home_opened` against the fake Slack: what it shows, and its
buttons doing what the same buttons do on an alert, an escalation, a digest or a post."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from bot.config import Settings
from bot.ids import FeedbackIds, HomeIds, LadderIds, LeadIds
from bot.keys import alert_key
from bot.models import Campaign, CampaignRead, Feedback, Lead, SourceRequest, utcnow
from bot.states import CampaignStatus, LeadStatus
from bot.workhours import WorkingHours
from tests.scenarios.home_steps import (
    element,
    next_publish,
    open_home,
    press,
    publishes,
    text_of,
    view_of,
    wait_for_dm,
    wait_recorded,
)
from tests.scenarios.test_ladder import post_hot_lead, top_level, wait_until
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp, app_settings


@pytest.fixture
def app_config(settings: Settings, slack: FakeSlackServer, db_url: str) -> Settings:
    return app_settings(
        settings,
        slack.url,
        db_url,
        working_hours=WorkingHours.parse("always"),
        home_refresh_interval=timedelta(seconds=1),
        sales_channel="CSALES",
        marketing_channel="CMARKETING",
    )


def overdue_lead(running: RunningApp, external_id: str, owner: str, minutes: int) -> int:
    started = utcnow() - timedelta(minutes=minutes)
    with running.handoff.db.session() as session:
        lead = Lead(
            external_id=external_id,
            name=f"Late {external_id}",
            company="Slow & Co",
            hot=True,
            score=90,
            owner_id=owner,
            received_at=started,
            clock_started_at=started,
            ladder_cycle=1,
        )
        session.add(lead)
        session.flush()
        return lead.id


# -- the rep -------------------------------------------------------------------------------


def test_the_reps_queue_has_the_alerts_buttons_and_a_link_to_it(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    lead_id = post_hot_lead(running, "L-1", name="Ada <!here> Lovelace")
    alert = top_level(slack, "UREP1", "Ada")
    wait_recorded(running, alert_key(lead_id, "UREP1"))  # the Home links to where it landed
    overdue_lead(running, "L-0", "UREP1", minutes=40)
    view = open_home(running, slack, "UREP1")
    text = text_of(view)
    assert "Your queue" in text and "Your team" not in text and "Health" not in text
    assert "Ada &lt;!here&gt; Lovelace" in text
    assert text.index("Late L-0") < text.index("Ada")  # the overdue one first
    assert re.search(r"overdue 2[5-9]m", text) and "m left" in text
    assert "*Your week*:" in text and "touched within the 15m SLA (team " in text
    assert f"channel={alert.channel}" in text and "message_ts=" in text  # the alert's link
    block, _ = element(view, LeadIds.ACK, str(lead_id))
    assert block["block_id"] == f"{HomeIds.LEAD_ACTIONS}:{lead_id}"
    for action in (LeadIds.CONTACTED, LeadIds.NOT_FIT, LeadIds.REASSIGN):
        element(view, action, str(lead_id))
    element(view, FeedbackIds.LEAD_FEEDBACK_BUTTON, str(lead_id))

    before = len(publishes(slack, "UREP1"))
    press(running, view, LeadIds.ACK, user="UREP1", value=str(lead_id))
    # The same as on the alert: the lead is claimed and the alert updates in place ...
    wait_until(lambda: alert.edited, 5, "the alert to update")
    assert "on it" in str(alert.blocks)
    with running.handoff.db.session() as session:
        assert session.get(Lead, lead_id).status == LeadStatus.CLAIMED  # type: ignore[union-attr]
    # ... and the Home is published again, showing it.
    again = next_publish(slack, "UREP1", before)
    assert "you are on it" in text_of(again)


def test_a_snoozed_lead_shows_when_it_wakes(running: RunningApp, slack: FakeSlackServer) -> None:
    lead_id = post_hot_lead(running, "L-1")
    view = open_home(running, slack, "UREP1")
    before = len(publishes(slack, "UREP1"))
    press(running, view, LeadIds.SNOOZE, user="UREP1", option=f"{lead_id}:1h")
    again = next_publish(slack, "UREP1", before)
    text = text_of(again)
    assert "*Snoozed* (1)" in text and "wakes <!date^" in text
    assert "Nothing is waiting for you" in text


def test_a_refusal_from_the_home_reaches_the_person_in_a_dm(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    lead_id = overdue_lead(running, "L-9", "UREP1", minutes=30)
    view = open_home(running, slack, "UMGR1")
    press(running, view, LadderIds.NUDGE, user="UREP2", value=f"{lead_id}:1")
    wait_for_dm(slack, "UREP2", "Only the rep's manager or an admin")


# -- the manager ---------------------------------------------------------------------------


def test_the_managers_team_table_overdue_leads_nudge_and_digest(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    late = overdue_lead(running, "L-7", "UREP1", minutes=90)
    overdue_lead(running, "L-8", "UREP2", minutes=30)
    view = open_home(running, slack, "UMGR1")
    text = text_of(view)
    assert "Your team" in text and "Your queue" not in text
    assert "*Rita Rep* · 1 open hot · *1 overdue*" in text
    assert "*Ravi Rep* · 1 open hot · *1 overdue*" in text
    assert "Noah" not in text  # not Maria's rep
    assert "this week: median n/a, " in text  # the scorecard: nobody touched yet
    assert "*Overdue hot leads* (2)" in text
    assert text.index("Late L-7") < text.index("Late L-8")  # most overdue first
    block, _ = element(view, LadderIds.NUDGE, f"{late}:1")
    assert block["block_id"] == f"{HomeIds.OVERDUE_ACTIONS}:{late}"
    element(view, LeadIds.REASSIGN, str(late))

    # Nudge does what the escalation's Nudge does: the rep is asked to follow up.
    press(running, view, LadderIds.NUDGE, user="UMGR1", value=f"{late}:1")
    nudge = top_level(slack, "UREP1", "asks you to follow up")
    assert "<@UMGR1>" in nudge.text
    wait_for_dm(slack, "UMGR1", "Nudged")  # the answer the escalation shows, as a DM

    # Reassign opens the alert's Reassign form.
    press(running, view, LeadIds.REASSIGN, user="UMGR1", value=str(late))
    opened = view_of(slack.fake.wait_for("views.open")[-1])
    assert opened["callback_id"] == LeadIds.REASSIGN_VIEW

    # Today's digest: the digest as of now, in the manager's DM.
    press(running, view, HomeIds.DIGEST, user="UMGR1")
    wait_for_dm(slack, "UMGR1", "Stale leads right now")


# -- the marketer --------------------------------------------------------------------------


def seed_campaign(running: RunningApp) -> tuple[int, int]:
    with running.handoff.db.session() as session:
        campaign = Campaign(code="spring", name="Spring webinar", created_by="UMKT1")
        session.add(campaign)
        session.flush()
        session.add(CampaignRead(campaign_id=campaign.id, slack_id="UREP1"))
        session.add(Lead(external_id="c1", name="Lee", hot=True, campaign_id=campaign.id))
        session.add(Lead(external_id="c2", name="Kim", campaign_id=campaign.id))
        old = Feedback(
            author_id="UREP2",
            text="answered one",
            tags=[],
            replied_by="UMKT1",
            created_at=utcnow() - timedelta(hours=1),
        )
        fresh = Feedback(
            author_id="UREP1",
            text="Too *pricey* > said",
            tags=["pricing"],
            campaign_id=campaign.id,
            created_at=utcnow() - timedelta(hours=2),
        )
        session.add_all([old, fresh])
        session.flush()
        return campaign.id, fresh.id


def test_the_marketers_cards_inbox_and_tags(running: RunningApp, slack: FakeSlackServer) -> None:
    campaign_id, feedback_id = seed_campaign(running)
    view = open_home(running, slack, "UMKT1")
    text = text_of(view)
    assert "Campaigns" in text and "Your queue" not in text
    assert "*Spring webinar* · `spring`" in text
    assert "Brief read by 1 of 4 · not yet: <@UMGR1>, <@UREP3>, <@UREP2>" in text
    assert "*Leads*\\n2" in text and "*Hot*\\n1" in text
    assert "*Conversion (won)*\\n0%" in text and "*Touched within SLA*\\n0 (0%)" in text
    assert "*Feedback inbox* · 1 unanswered" in text
    assert text.index("pricey") < text.index("answered one")  # unanswered first
    assert "*#pricing* 1 (+1)" in text
    element(view, HomeIds.NEW_CAMPAIGN)
    element(view, HomeIds.EDIT_CAMPAIGN, str(campaign_id))
    element(view, HomeIds.END_CAMPAIGN, str(campaign_id))

    # Reply opens the same modal as the marketing post's "Reply to rep".
    press(running, view, FeedbackIds.REPLY, user="UMKT1", value=str(feedback_id))
    assert view_of(slack.fake.wait_for("views.open")[-1])["callback_id"] == FeedbackIds.REPLY_VIEW
    press(running, view, HomeIds.EDIT_CAMPAIGN, user="UMKT1", value=str(campaign_id))
    press(running, view, HomeIds.NEW_CAMPAIGN, user="UMKT1")
    forms = [view_of(call) for call in slack.fake.wait_for("views.open", count=3)[1:]]
    assert [form["callback_id"] for form in forms] == ["campaign_modal", "campaign_modal"]
    # The two clicks are handled in parallel: their forms may open in either order.
    opened = [json.loads(form["private_metadata"])["campaign_id"] for form in forms]
    assert sorted(opened, key=lambda cid: (cid is None, cid or 0)) == [campaign_id, None]

    before = len(publishes(slack, "UMKT1"))
    press(running, view, HomeIds.END_CAMPAIGN, user="UMKT1", value=str(campaign_id))
    wait_for_dm(slack, "UMKT1", "Spring webinar")
    with running.handoff.db.session() as session:
        assert session.get(Campaign, campaign_id).status == CampaignStatus.ENDED  # type: ignore[union-attr]
    assert "No active campaigns" in text_of(next_publish(slack, "UMKT1", before))


def test_a_rep_cannot_end_a_campaign_from_a_home_button(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    campaign_id, _ = seed_campaign(running)
    view = open_home(running, slack, "UMKT1")
    press(running, view, HomeIds.END_CAMPAIGN, user="UREP1", value=str(campaign_id))
    wait_for_dm(slack, "UREP1", "Only marketers and admins can create, edit or end")
    with running.handoff.db.session() as session:
        assert session.get(Campaign, campaign_id).status == CampaignStatus.ACTIVE  # type: ignore[union-attr]


# -- the admin and strangers ---------------------------------------------------------------


def test_the_admins_health(running: RunningApp, slack: FakeSlackServer) -> None:
    view = open_home(running, slack, "UADMIN")
    text = text_of(view)
    assert "Health" in text and "*Outbox pending*" in text and "*Outbox failed*" in text
    assert "Reps with no manager (1): <@UREP3>" in text
    for name in ("HOT_SCORE", "HOT_LEAD_SLA", "ESCALATE_AFTER", "WORKING_HOURS"):
        assert f"*{name}*" in text
    # the test settings: ROUTING=channel, REASSIGN_AFTER unset, the defaults for the rest
    for name, value in (
        ("REASSIGN_AFTER", "off"),
        ("ROUTING", "channel"),
        ("MAX_OPEN_HOT_LEADS", "25"),
        ("ALERT_BURST", "5"),
    ):
        assert f"*{name}*\\n{value}" in text  # a newline, as json.dumps writes it
    assert "Your queue" not in text and "Campaigns" not in text


def test_the_admin_sees_each_lead_sources_last_request_and_refusals(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    now = utcnow()
    with running.handoff.db.session() as session:
        session.add_all(
            [
                SourceRequest(source="typeform", at=now - timedelta(hours=30), status=401),
                SourceRequest(source="typeform", at=now - timedelta(hours=1), status=202),
                SourceRequest(
                    source="typeform",
                    at=now - timedelta(minutes=10),
                    status=401,
                    error="the signature does not match",
                ),
                SourceRequest(source="hubspot", at=now - timedelta(minutes=5), status=202),
            ]
        )
    text = text_of(open_home(running, slack, "UADMIN"))
    assert "*Lead sources*" in text
    assert ":large_green_circle: *hubspot* (`/leads/hubspot`) · last request <!date^" in text
    typeform = text[text.index("*typeform*") :].split("\\n")[0].split('"')[0]
    assert typeform.startswith("*typeform* (`/leads/typeform`) · last request <!date^")
    assert "answered 401 · 1 refused in 24h · last refusal <!date^" in typeform
    assert typeform.endswith(": the signature does not match")


def test_someone_with_several_roles_sees_each_board(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    overdue_lead(running, "L-5", "UMGR1", minutes=30)  # the manager holds a lead too
    text = text_of(open_home(running, slack, "UMGR1"))
    assert text.index("Your queue") < text.index("Your team")
    assert text.count("Late L-5") == 1  # in the queue; not the team's (not her rep's)


def test_someone_not_on_the_roster_is_told_who_adds_them(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    text = text_of(open_home(running, slack, "UOUTSIDER"))
    assert "not on the Handoff team yet" in text and "<@UADMIN>" in text


# -- publishing ----------------------------------------------------------------------------


def test_a_batch_of_leads_republishes_once_and_only_homes_that_were_opened(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    open_home(running, slack, "UREP1")
    batch = [
        {"id": f"B-{n}", "name": f"Burst {n}", "score": 95, "owner": "UREP1"} for n in range(3)
    ]
    assert running.post_leads(batch).status_code == 202
    again = next_publish(slack, "UREP1", 1)
    assert all(f"Burst {n}" in text_of(again) for n in range(3))  # one publish for all three
    assert len(publishes(slack, "UREP1")) == 2
    assert publishes(slack, "UMGR1") == []  # never opened: nothing published
