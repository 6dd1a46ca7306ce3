"""/campaign through /slack/events: the modal, its inline errors, the announcement, the
marketer's confirmation, edits, the refusal, and leads linked to a later campaign."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.ids import CampaignIds as Ids
from bot.messages import validate_blocks
from bot.models import Campaign, Lead
from tests.scenarios.campaign_steps import (
    BRIEF,
    SALES,
    announcement,
    command,
    create_campaign,
    opened_view,
    replies_to,
    submit,
)
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp


@pytest.mark.parametrize("user", ["UMKT1", "UADMIN"])
def test_the_modal_opens_for_marketers_and_admins(
    running: RunningApp, slack: FakeSlackServer, user: str
) -> None:
    response = running.slack.command("/campaign", "", user=user, trigger_id="trig.42")
    assert response.status_code == 200
    [call] = slack.fake.wait_for("views.open")
    assert call["trigger_id"] == "trig.42"
    view = call["view"]
    assert view["callback_id"] == Ids.MODAL and view["title"]["text"] == "New campaign"
    validate_blocks(view["blocks"], 100)
    blocks = {b.get("block_id") for b in view["blocks"]}
    assert {Ids.NAME_BLOCK, Ids.CODE_BLOCK, Ids.LANDING_URL_BLOCK, Ids.HOT_SCORE_BLOCK} <= blocks


@pytest.mark.parametrize("user", ["UREP1", "UMGR1", "UOUTSIDER"])
def test_others_are_refused_and_no_modal_opens(
    running: RunningApp, slack: FakeSlackServer, user: str
) -> None:
    command(running, slack, user=user)
    [reply] = replies_to(slack, user)
    assert "Only marketers and admins" in reply
    command(running, slack, "edit spring-webinar", user=user)
    assert "Only marketers and admins" in replies_to(slack, user, 2)[1]
    assert slack.fake.calls_to("views.open") == []


@pytest.mark.parametrize(
    ("typed", "block", "words"),
    [
        ({"name": "   "}, Ids.NAME_BLOCK, "Give the campaign a name"),
        ({"landing_url": "not a url"}, Ids.LANDING_URL_BLOCK, "not a web address"),
        ({"starts_on": "2025-05-01", "ends_on": "2025-04-01"}, Ids.ENDS_BLOCK, "before the start"),
        ({"hot_score": "250"}, Ids.HOT_SCORE_BLOCK, "0 to 100"),
    ],
)
def test_each_problem_shows_inline(
    running: RunningApp, slack: FakeSlackServer, typed: dict, block: str, words: str
) -> None:
    command(running, slack)
    response = submit(running, opened_view(slack), **{**BRIEF, **typed})
    body = response.json()
    assert body["response_action"] == "errors"
    assert list(body["errors"]) == [block] and words in body["errors"][block]
    with running.handoff.db.session() as session:
        assert session.scalar(select(Campaign)) is None
    assert slack.fake.calls_to("chat.postMessage") == []


def test_a_code_in_use_shows_inline(running: RunningApp, slack: FakeSlackServer) -> None:
    create_campaign(running, slack)
    command(running, slack)
    response = submit(running, opened_view(slack, 2), **{**BRIEF, "code": "Spring-Webinar"})
    errors = response.json()["errors"]
    assert list(errors) == [Ids.CODE_BLOCK]
    assert "already used" in errors[Ids.CODE_BLOCK] and "spring-webinar-2" in errors[Ids.CODE_BLOCK]


def test_the_brief_is_announced_and_the_marketer_gets_a_link(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    posted = create_campaign(
        running, slack, name="Spring <!channel> Webinar", talking_points='Say "hi" & <@U999>'
    )
    validate_blocks(posted.blocks)
    brief = str(posted.blocks)
    assert "Spring &lt;!channel&gt; Webinar" in brief and "<!channel>" not in brief
    assert "&amp; &lt;@U999&gt;" in brief
    for part in ("spring-channel-webinar", BRIEF["audience"], BRIEF["offer"], "Free 30-day"):
        assert part in brief
    assert "<https://example.com/spring?utm_campaign=spring-webinar|" in brief
    assert "Sat 01 Mar 2025 to Wed 30 Apr 2025" in brief and "<@UMKT1>" in brief
    assert "0 of 4 sales team members have read it" in brief
    assert any(b.get("block_id") == Ids.ANNOUNCEMENT_ACTIONS for b in posted.blocks)
    [confirmation] = replies_to(slack, "UMKT1")
    permalink = slack.fake.permalink(SALES, posted.ts)
    assert f"<{permalink}|See the announcement>" in confirmation
    assert "spring-channel-webinar" in confirmation
    with running.handoff.db.session() as session:
        saved = session.scalar(select(Campaign))
        assert (saved.code, saved.hot_score, saved.created_by) == (
            "spring-channel-webinar",
            70,
            "UMKT1",
        )


def test_an_announcement_delayed_by_slack_still_goes_out(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    slack.fake.fail_for(4, status=503, method="chat.postMessage")
    command(running, slack)
    submit(running, opened_view(slack), **BRIEF)
    [confirmation] = replies_to(slack, "UMKT1")
    assert "will appear in <#CSALES> shortly" in confirmation
    slack.fake.heal()
    running.handoff.dispatcher.wake()
    announcement(slack, BRIEF["name"])  # the outbox retried it


def test_edit_opens_the_modal_prefilled_and_updates_the_announcement_in_place(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    posted = create_campaign(running, slack, name="Tom & Jerry's")
    command(running, slack, "edit TOM-JERRY-S")
    view = opened_view(slack, 2)
    assert view["title"]["text"] == "Edit campaign"
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs[Ids.NAME_BLOCK]["initial_value"] == "Tom & Jerry's"
    assert inputs[Ids.CODE_BLOCK]["initial_value"] == "tom-jerry-s"
    assert inputs[Ids.STARTS_BLOCK]["initial_date"] == "2025-03-01"
    assert inputs[Ids.HOT_SCORE_BLOCK]["initial_value"] == "70"
    response = submit(
        running,
        view,
        **{**BRIEF, "name": "Tom & Jerry's", "code": "tom-jerry-s", "offer": "Two for one"},
    )
    assert response.content in (b"", b"{}")
    slack.fake.wait_for("chat.update")
    [message] = slack.fake.messages_in(SALES)
    assert message.ts == posted.ts and message.edited
    assert "Two for one" in str(message.blocks) and "Free 30-day" not in str(message.blocks)
    validate_blocks(message.blocks)
    replies = replies_to(slack, "UMKT1", 2)
    assert any("updated in place" in reply for reply in replies), replies


def test_a_rep_cannot_submit_a_modal_they_were_never_shown(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    command(running, slack)
    response = submit(running, opened_view(slack), user="UREP1", **BRIEF)
    assert "Only marketers and admins" in response.json()["errors"][Ids.NAME_BLOCK]
    assert slack.fake.calls_to("chat.postMessage") == []


def test_a_lead_that_came_first_is_linked_to_the_campaign_created_after_it(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    response = running.post_leads(
        [{"id": "early-1", "name": "Early Bird", "campaign": "Spring-Webinar", "score": 40}]
    )
    assert response.status_code == 202
    create_campaign(running, slack)
    assert (
        "1 lead that arrived earlier with this code is now linked" in replies_to(slack, "UMKT1")[0]
    )
    with running.handoff.db.session() as session:
        lead = session.scalar(select(Lead).where(Lead.external_id == "early-1"))
        campaign = session.scalar(select(Campaign))
        assert lead.campaign_id == campaign.id
    # A lead arriving now is linked by the intake itself.
    running.post_leads([{"id": "later-1", "name": "Late", "campaign": "SPRING-WEBINAR"}])
    with running.handoff.db.session() as session:
        later = session.scalar(select(Lead).where(Lead.external_id == "later-1"))
        assert later.campaign_id == campaign.id
