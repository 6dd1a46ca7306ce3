"""The loop through /slack/events: "Feedback" on a lead alert, "Not a fit" reaching marketing,
"Reply to rep" (modal, DM quoting the feedback, the post updated in place), and
`/campaign stats` showing feedback by tag."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
from sqlalchemy import select

from bot.ids import FeedbackIds, LeadIds
from bot.models import Feedback
from sandbox.fakeslack.models import Message
from tests.scenarios.test_alerts_support import (
    click,
    delivered,
    hot_lead,
    lead_id,
    opened_view,
    select_value,
    submit,
    text_value,
    wait_update,
)
from tests.scenarios.test_feedback_support import (
    MARKETING,
    add_campaign,
    all_valid,
    answers,
    blocks_text,
    feedback,
    marketing_post,
)
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp


def alerted(running: RunningApp, slack: FakeSlackServer) -> tuple[Message, str]:
    add_campaign(running)
    running.post_leads(hot_lead(1, name="Ada Lovelace", company="Engines & Co", campaign="spring"))
    return delivered(slack, "UREP1", "Ada Lovelace"), str(lead_id(running, "crm-1"))


def typed(block: str, value: str | None) -> dict[str, Any]:
    return text_value(block, FeedbackIds.INPUT, value)


def reply_value(post: Message) -> str:
    return next(
        e["value"]
        for b in post.blocks or []
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == FeedbackIds.REPLY
    )


def press_reply(
    running: RunningApp, slack: FakeSlackServer, post: Message, user: str, value: str
) -> httpx.Response:
    """Press "Reply to rep" on `post` (as it was when posted: `value` is its button's)."""
    return click(
        running,
        slack,
        post,
        FeedbackIds.REPLY,
        value,
        user=user,
        block_id=f"{FeedbackIds.POST_ACTIONS}:{value}",
    )


def test_the_feedback_button_on_an_alert(running: RunningApp, slack: FakeSlackServer) -> None:
    alert, lead = alerted(running, slack)
    [button] = [
        e
        for b in alert.blocks or []
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == FeedbackIds.LEAD_FEEDBACK_BUTTON
    ]
    assert button["value"] == lead and button["text"]["text"] == "Feedback"
    click(running, slack, alert, button["action_id"], button["value"], user="UREP1")
    view = opened_view(slack, FeedbackIds.LEAD_VIEW)
    shown = str(view["blocks"])
    assert "*Lead:* Ada Lovelace, Engines &amp; Co" in shown
    assert "*Campaign:* Spring Webinar (`spring`)" in shown
    element = view["blocks"][1]["element"]
    assert element["max_length"] == 500 and not element.get("multiline")

    empty = submit(running, view, "UREP1", typed(FeedbackIds.TEXT_BLOCK, "  "))
    assert empty.json()["response_action"] == "errors"
    assert FeedbackIds.TEXT_BLOCK in empty.json()["errors"]

    done = submit(
        running, view, "UREP1", typed(FeedbackIds.TEXT_BLOCK, "#feature Wants <!here> SSO")
    )
    assert done.status_code == 200 and done.text == ""
    post = marketing_post(slack, "Wants")
    shown = blocks_text(post)
    assert "Lead: Ada Lovelace, Engines &amp; Co" in shown and "Tags: #feature" in shown
    assert "Campaign: *Spring Webinar* (`spring`)" in shown and "inferred" not in shown
    assert ">Wants &lt;!here&gt; SSO" in shown and "<!here>" not in shown
    [confirmation] = answers(slack, "UREP1")
    assert f"<{slack.fake.permalink(MARKETING, post.ts)}|See it>" in confirmation
    with running.handoff.db.session() as session:
        row = session.scalars(select(Feedback)).one()
    assert row.lead_id == int(lead) and row.kind == "rep" and not row.campaign_inferred
    all_valid(slack)


def test_only_the_owner_their_manager_or_an_admin_get_the_modal(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    alert, lead = alerted(running, slack)
    for stranger in ("UREP2", "UMKT1", "UOUTSIDER"):
        click(running, slack, alert, FeedbackIds.LEAD_FEEDBACK_BUTTON, lead, user=stranger)
    slack.fake.wait_for(
        "response_url", count=3, predicate=lambda a: "Only the lead's owner" in a["text"]
    )
    assert slack.fake.calls_to("views.open") == []
    click(running, slack, alert, FeedbackIds.LEAD_FEEDBACK_BUTTON, lead, user="UMGR1")
    view = opened_view(slack, FeedbackIds.LEAD_VIEW)
    # A modal opened by the manager cannot be submitted by someone else.
    forged = submit(running, view, "UREP2", typed(FeedbackIds.TEXT_BLOCK, "forged"))
    assert "Only the lead's owner" in forged.json()["errors"][FeedbackIds.TEXT_BLOCK]
    with running.handoff.db.session() as session:
        assert session.scalar(select(Feedback)) is None


def test_not_a_fit_reaches_marketing_as_lead_quality_feedback(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    alert, lead = alerted(running, slack)
    click(running, slack, alert, LeadIds.NOT_FIT, lead, user="UREP1")
    view = opened_view(slack, LeadIds.NOT_FIT_VIEW)
    values = {
        **select_value(LeadIds.NOT_FIT_REASON_BLOCK, LeadIds.NOT_FIT_REASON, "no_budget"),
        **text_value(LeadIds.NOT_FIT_NOTE_BLOCK, LeadIds.NOT_FIT_NOTE, "Froze <!channel> hiring"),
    }
    assert submit(running, view, "UREP1", values).status_code == 200
    post = marketing_post(slack, "Lead-quality feedback")
    shown = blocks_text(post)
    assert "*Lead-quality feedback* (Not a fit) from <@UREP1>" in shown
    assert ">No budget: Froze &lt;!channel&gt; hiring" in shown
    assert "Lead: Ada Lovelace" in shown and "Campaign: *Spring Webinar*" in shown
    all_valid(slack)


def test_the_reply_loop(running: RunningApp, slack: FakeSlackServer) -> None:
    add_campaign(running)
    feedback(running, slack, "spring #pricing They want & <@UMKT1> monthly billing")
    post = marketing_post(slack, "monthly billing")
    value = reply_value(post)

    press_reply(running, slack, post, "UREP2", value)
    refusal = slack.fake.wait_for("response_url", predicate=lambda a: "Only marketers" in a["text"])
    assert refusal[0]["response_type"] == "ephemeral"
    assert slack.fake.calls_to("views.open") == []

    press_reply(running, slack, post, "UMKT1", value)
    view = opened_view(slack, FeedbackIds.REPLY_VIEW)
    assert ">They want &amp; &lt;@UMKT1&gt; monthly billing" in str(view["blocks"])
    empty = submit(running, view, "UMKT1", typed(FeedbackIds.REPLY_BLOCK, " "))
    assert empty.json()["errors"] == {FeedbackIds.REPLY_BLOCK: "Write an answer for the rep."}

    answer = "Yes! Annual only for now,\nmonthly <!here> in Q3"
    done = submit(running, view, "UMKT1", typed(FeedbackIds.REPLY_BLOCK, answer))
    assert done.status_code == 200 and done.text == ""
    dm = delivered(slack, "UREP1", "answered your feedback")
    shown = blocks_text(dm)
    assert "<@UMKT1> from marketing answered your feedback on *Spring Webinar*" in shown
    assert ">Yes! Annual only for now,\\n>monthly &lt;!here&gt; in Q3" in shown
    assert ">They want &amp; &lt;@UMKT1&gt; monthly billing" in shown and "<!here>" not in shown
    update = wait_update(slack, post, "Answered")
    assert "*Answered* by <@UMKT1>" in str(update["blocks"])
    assert "Reply to rep" not in str(update["blocks"])
    message = slack.fake.find_message(MARKETING, post.ts)
    assert message is not None and len(slack.fake.messages_in(MARKETING)) == 1

    # A second marketer pressing the stale button is told it is answered.
    press_reply(running, slack, post, "UADMIN", value)
    slack.fake.wait_for(
        "response_url", predicate=lambda a: "Mark Marketer already answered" in a["text"]
    )
    assert len(slack.fake.calls_to("views.open")) == 1
    all_valid(slack)


def test_campaign_stats_show_feedback_by_tag_and_the_latest(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    add_campaign(running)
    for line in ("#pricing Too dear", "#pricing #objection Needs a pilot", "#praise Great demo"):
        feedback(running, slack, f"spring {line}")
    slack.fake.wait_for("chat.postMessage", count=3)
    running.slack.command(
        "/campaign",
        "stats spring",
        user="UREP1",
        response_url=slack.response_url("CSALES", "UREP1"),
    )
    reply = slack.fake.wait_for("response_url", predicate=lambda a: "Feedback by tag" in str(a))
    shown = str(reply[-1]["blocks"])
    assert "#pricing 2 · #objection 1 · #praise 1 · 3 in all" in shown
    assert "Great demo · <@UREP1>" in shown and "Too dear" in shown
    all_valid(slack)


def test_a_stale_reply_button_for_deleted_feedback(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    payload = {
        "type": "block_actions",
        "user": {"id": "UMKT1", "username": "umkt1", "team_id": "T0001"},
        "trigger_id": f"trig.{uuid.uuid4().hex}",
        "response_url": slack.response_url(MARKETING, "UMKT1"),
        "container": {"type": "message", "message_ts": "1.1", "channel_id": MARKETING},
        "channel": {"id": MARKETING},
        "actions": [
            {
                "type": "button",
                "action_id": FeedbackIds.REPLY,
                "block_id": f"{FeedbackIds.POST_ACTIONS}:999",
                "value": "999",
                "action_ts": str(time.time()),
            }
        ],
    }
    assert running.slack.interaction(payload).status_code == 200
    slack.fake.wait_for("response_url", predicate=lambda a: "no longer in Handoff" in a["text"])
