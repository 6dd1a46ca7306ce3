"""/campaign list, stats, end and help, usage after mistakes, and "Got it" on the announcement,
through /slack/events with signed requests against the fake Slack."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.messages import validate_blocks
from bot.models import CampaignRead, Feedback, Lead
from tests.scenarios.campaign_steps import (
    SALES,
    click_got_it,
    command,
    create_campaign,
    replies_to,
)
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp


def test_got_it_is_counted_once_per_person_and_updates_the_announcement(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    posted = create_campaign(running, slack)
    click_got_it(running, slack, posted, "UREP1")
    slack.fake.wait_for("chat.update")
    click_got_it(running, slack, posted, "UREP1")
    click_got_it(running, slack, posted, "UREP2")
    slack.fake.wait_for("chat.update", count=2)
    assert "already marked" in replies_to(slack, "UREP1", 2)[1]
    assert "counted as having read" in replies_to(slack, "UREP2")[0]
    [message] = slack.fake.messages_in(SALES)
    assert message.ts == posted.ts
    assert "2 of 4 sales team members have read it" in str(message.blocks)
    assert "2 of 4" in message.text
    validate_blocks(message.blocks)
    assert len(slack.fake.calls_to("chat.update")) == 2  # the repeated click changed nothing
    with running.handoff.db.session() as session:
        readers = sorted(session.scalars(select(CampaignRead.slack_id)))
    assert readers == ["UREP1", "UREP2"]


def test_a_marketer_reading_does_not_count_toward_the_sales_team(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    posted = create_campaign(running, slack)
    click_got_it(running, slack, posted, "UMKT1")
    assert any("Only reps' and managers' reads" in r for r in replies_to(slack, "UMKT1", 2))
    assert slack.fake.calls_to("chat.update") == []


def test_list_shows_active_campaigns_with_their_codes(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    command(running, slack, "list", user="UREP1")
    assert "No active campaigns" in replies_to(slack, "UREP1")[0]
    create_campaign(running, slack)
    create_campaign(running, slack, name="Summer <b> Promo", starts_on="", ends_on="")
    command(running, slack, "list", user="UREP1")
    listing = replies_to(slack, "UREP1", 2)[1]
    assert "*Spring Webinar* · code `spring-webinar`" in listing
    assert "01 Mar 2025 to 30 Apr 2025" in listing
    assert "*Summer &lt;b&gt; Promo* · code `summer-b-promo`" in listing


def test_stats_for_anyone(running: RunningApp, slack: FakeSlackServer) -> None:
    create_campaign(running, slack)
    running.post_leads(
        [
            {"id": "s1", "name": "One", "campaign": "spring-webinar", "score": 90},
            {"id": "s2", "name": "Two", "campaign": "spring-webinar", "score": 75},
            {"id": "s3", "name": "Three", "campaign": "spring-webinar", "score": 10},
            {"id": "x1", "name": "Elsewhere", "campaign": "other", "score": 99},
        ]
    )
    with running.handoff.db.session() as session:
        s1 = session.scalar(select(Lead).where(Lead.external_id == "s1"))
        session.execute(
            update(Lead)
            .where(Lead.id == s1.id)
            .values(status="claimed", first_touched_at=s1.received_at + timedelta(minutes=7))
        )
        session.add(Feedback(campaign_id=s1.campaign_id, author_id="UREP1", text="pricey"))
    command(running, slack, "stats SPRING-WEBINAR", user="UREP2")
    stats = replies_to(slack, "UREP2")[0]
    assert "*Leads*\\n3\\n_team 4 in all_" in stats
    # the campaign's own threshold (70) makes 75 hot
    assert "*Hot leads*\\n2 (67%)\\n_team 75% · worse_" in stats
    assert "*Time to first touch*\\nmedian 7m" in stats
    assert "1 in all" in stats


def test_end_then_the_campaign_leaves_the_list(running: RunningApp, slack: FakeSlackServer) -> None:
    posted = create_campaign(running, slack)
    command(running, slack, "end spring-webinar", user="UREP1")
    assert "Only marketers and admins" in replies_to(slack, "UREP1")[0]
    command(running, slack, "end spring-webinar")
    assert any("has ended" in r for r in replies_to(slack, "UMKT1", 2))
    slack.fake.wait_for("chat.update")
    [message] = slack.fake.messages_in(SALES)
    assert message.ts == posted.ts and "Ended: Spring Webinar" in str(message.blocks)
    assert not any(b["type"] == "actions" for b in message.blocks)
    command(running, slack, "list", user="UREP1")
    assert "No active campaigns" in replies_to(slack, "UREP1", 2)[1]
    command(running, slack, "end spring-webinar")
    assert any("had already ended" in r for r in replies_to(slack, "UMKT1", 3))


def test_help(running: RunningApp, slack: FakeSlackServer) -> None:
    command(running, slack, "help", user="UREP1")
    text = replies_to(slack, "UREP1")[0]
    for usage in (
        "/campaign list",
        "/campaign stats CODE",
        "/campaign edit CODE",
        "/campaign end CODE",
    ):
        assert usage in text
    assert "Example: `/campaign stats spring-webinar`" in text


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("launch now", "I don't know `/campaign launch`"),
        ("stats", "Which campaign? Add its code, for example `/campaign stats spring-webinar`"),
        ("stats no-such-code", "No campaign has the code `no-such-code`"),
        ("end <!channel>", "No campaign has the code `&lt;!channel&gt;`"),
    ],
)
def test_mistakes_get_usage_with_an_example(
    running: RunningApp, slack: FakeSlackServer, text: str, words: str
) -> None:
    command(running, slack, text, user="UMKT1")
    reply = replies_to(slack, "UMKT1")[0]
    assert words in reply
    assert "/campaign stats CODE" in reply and "Example:" in reply
    assert "<!channel>" not in reply


def test_edit_of_an_unknown_code_opens_nothing(running: RunningApp, slack: FakeSlackServer) -> None:
    command(running, slack, "edit nope")
    assert "No campaign has the code `nope`" in replies_to(slack, "UMKT1")[0]
    assert slack.fake.calls_to("views.open") == []
