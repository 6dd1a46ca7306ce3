"""/feedback through /slack/events: the campaign (explicit, inferred, none), tags, escaping,
empty and over-long text answered in the ack, the confirmation with a link, and acks that
stay fast when the database or Slack is slow."""

from __future__ import annotations

import re
import threading
import time

import pytest
from sqlalchemy import select, text

from bot.ids import LeadIds
from bot.messages import validate_blocks
from bot.models import Feedback
from tests.scenarios.test_alerts_support import click, delivered, hot_lead, lead_id
from tests.scenarios.test_feedback_support import (
    MARKETING,
    ack_body,
    add_campaign,
    all_valid,
    answers,
    blocks_text,
    feedback,
    marketing_post,
)
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp


def stored(running: RunningApp) -> list[Feedback]:
    with running.handoff.db.session() as session:
        return list(session.scalars(select(Feedback).order_by(Feedback.id)))


def test_a_campaign_code_first_ties_it_to_that_campaign(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    add_campaign(running)
    response = feedback(running, slack, "Spring #pricing Too pricey for 10 seats #Competitor")
    assert ack_body(response) == {}
    post = marketing_post(slack, "Too pricey")
    shown = blocks_text(post)
    assert "*Customer feedback* from <@UREP1>" in shown
    assert ">Too pricey for 10 seats" in shown and "#Competitor" not in shown
    assert "Campaign: *Spring Webinar* (`spring`)" in shown and "inferred" not in shown
    assert "Tags: #pricing #competitor" in shown
    assert post.text == "Feedback from <@UREP1> on Spring Webinar: Too pricey for 10 seats"
    [confirmation] = answers(slack, "UREP1")
    link = slack.fake.permalink(MARKETING, post.ts)
    assert f"<{link}|See it> in <#{MARKETING}>" in confirmation
    assert "Campaign: *Spring Webinar* (`spring`)" in confirmation
    assert "Tags: #pricing #competitor" in confirmation
    [row] = stored(running)
    assert (row.text, row.tags, row.campaign_inferred) == (
        "Too pricey for 10 seats",
        ["pricing", "competitor"],
        False,
    )
    assert all_valid(slack) >= 2


def test_without_a_code_the_latest_touched_leads_campaign_is_inferred(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    add_campaign(running)
    running.post_leads(hot_lead(1, name="Ada Lovelace", campaign="spring"))
    alert = delivered(slack, "UREP1", "Ada Lovelace")
    click(running, slack, alert, LeadIds.ACK, str(lead_id(running, "crm-1")), user="UREP1")
    deadline = time.monotonic() + 5
    while not _touched(running) and time.monotonic() < deadline:
        time.sleep(0.02)
    feedback(running, slack, "Loved the #praise webinar, wants a recording")
    post = marketing_post(slack, "Loved the")
    shown = blocks_text(post)
    assert "Campaign: *Spring Webinar* (`spring`) · inferred from the rep's latest lead" in shown
    assert ">Loved the #praise webinar, wants a recording" in shown and "Tags: #praise" in shown
    confirmation = answers(slack, "UREP1")[-1]
    assert "inferred from your latest lead, Ada Lovelace" in confirmation
    assert "`/feedback CODE …`" in confirmation
    [row] = stored(running)
    assert row.campaign_inferred and row.campaign_id is not None
    all_valid(slack)


def _touched(running: RunningApp) -> bool:
    with running.handoff.db.session() as session:
        return session.scalar(text("SELECT count(*) FROM leads WHERE status_at IS NOT NULL")) == 1


def test_no_code_and_no_touched_lead_means_no_campaign(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    feedback(running, slack, "springish: they use a #competitor already", user="UREP3")
    shown = blocks_text(marketing_post(slack, "springish"))
    assert "No campaign" in shown and "Tags: #competitor" in shown
    assert "Not tied to a campaign" in answers(slack, "UREP3")[0]


HOSTILE = "<!channel> <!here> <@UMKT1> <https://evil.example|click> Tom & Jerry"


@pytest.mark.parametrize(
    "typed",
    [
        HOSTILE,
        # The same text as Slack may send it, with its three entities encoded.
        HOSTILE.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"),
    ],
)
def test_the_text_can_never_ping_anyone_or_make_links(
    running: RunningApp, slack: FakeSlackServer, typed: str
) -> None:
    feedback(running, slack, typed)
    post = marketing_post(slack, "Tom")
    for rendered in (post.text, blocks_text(post)):
        for markup in ("<!channel>", "<!here>", "<@UMKT1>", "<https://evil", "Tom & Jerry"):
            assert markup not in rendered
    expected = (
        "&lt;!channel&gt; &lt;!here&gt; &lt;@UMKT1&gt; &lt;https://evil.example|click&gt; "
        "Tom &amp; Jerry"
    )
    # The fallback text breaks auto-links with date tokens whose fallback is the character.
    fallback = re.sub(r"<!date\^00000000\^\{_\}\|(.)>", r"\1", post.text)
    assert f">{expected}" in blocks_text(post) and expected in fallback
    [row] = stored(running)
    assert row.text == HOSTILE  # stored as typed, escaped only where shown
    all_valid(slack)


def test_no_text_is_answered_in_the_ack_with_usage(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    body = ack_body(feedback(running, slack, "   "))
    assert body["response_type"] == "ephemeral"
    validate_blocks(body["blocks"])
    assert "/feedback [CODE]" in str(body["blocks"]) and "For example:" in str(body["blocks"])
    assert stored(running) == [] and slack.fake.calls_to("chat.postMessage") == []


def test_over_500_characters_is_refused_in_the_ack_with_the_text_given_back(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    typed = "Customer said <!here> & more: " + "very long story " * 40
    body = ack_body(feedback(running, slack, typed))
    validate_blocks(body["blocks"])
    shown = str(body["blocks"])
    assert f"can be up to 500 characters, and this is {len(typed.strip())}" in shown
    assert "&lt;!here&gt; &amp; more: very long story" in shown and "<!here>" not in shown
    given = "".join(b["text"]["text"].strip("`") for b in body["blocks"][1:])
    assert given.count("very long story") == 40
    time.sleep(0.2)
    assert stored(running) == [] and slack.fake.calls_to("chat.postMessage") == []


def test_a_code_alone_gets_usage_after_the_ack(running: RunningApp, slack: FakeSlackServer) -> None:
    add_campaign(running)
    assert ack_body(feedback(running, slack, "spring")) == {}
    [answer] = answers(slack, "UREP1")
    assert "You gave the campaign code `spring` but no feedback" in answer
    assert stored(running) == []


def test_someone_off_the_roster_gets_their_text_back(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    feedback(running, slack, "They want SSO & SCIM", user="UOUTSIDER")
    [answer] = answers(slack, "UOUTSIDER")
    assert "Handoff does not know you yet" in answer and "```They want SSO &amp; SCIM```" in answer
    assert stored(running) == []


def test_the_ack_comes_at_once_while_the_database_is_locked(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    engine = running.handoff.db.engine
    locked, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(text("LOCK TABLE people, feedback IN ACCESS EXCLUSIVE MODE"))
            else:  # the engine begins every transaction with BEGIN IMMEDIATE: the write lock
                connection.execute(text("SELECT 1"))
            locked.set()
            release.wait(10)
            connection.rollback()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    assert locked.wait(5)
    try:
        started = time.monotonic()
        response = feedback(running, slack, "#objection Needs SOC 2 first")
        elapsed = time.monotonic() - started
        assert response.status_code == 200 and elapsed < 1.0, elapsed
        time.sleep(0.3)
        assert slack.fake.calls_to("chat.postMessage") == []
    finally:
        release.set()
        holder.join(10)
    post = marketing_post(slack, "Needs SOC 2 first")
    assert "Tags: #objection" in blocks_text(post)
    assert "See it" in answers(slack, "UREP1")[0]


def test_a_slack_outage_delays_the_post_but_never_loses_it(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    slack.fake.fail_for(3.5, status=503, method="chat.postMessage")
    started = time.monotonic()
    response = feedback(running, slack, "Price is fine, timing is not")
    assert response.status_code == 200 and time.monotonic() - started < 1.0
    [answer] = answers(slack, "UREP1")
    assert f"It will appear in <#{MARKETING}> shortly" in answer
    post = marketing_post(slack, "timing is not", timeout=15)
    assert "Reply to rep" in blocks_text(post)
    assert len(stored(running)) == 1
