"""Feedback as services (no Slack): campaign explicit or inferred, tags, the post queued in the
same transaction, lead-quality feedback, and who may send it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot import feedback
from bot.config import Settings
from bot.db import Database
from bot.errors import Refusal
from bot.feedback.service import latest_touched_lead
from bot.ids import FeedbackIds
from bot.messages import validate_blocks
from bot.models import Campaign, Feedback, Lead, OutboxMessage
from tests.support.team import seed_team

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def team(db: Database) -> Database:
    seed_team(db)
    with db.session() as session:
        session.add_all(
            [Campaign(code="spring", name="Spring"), Campaign(code="fall", name="Fall")]
        )
    return db


def campaign_id(db: Database, code: str) -> int:
    with db.session() as session:
        found = session.scalar(select(Campaign.id).where(Campaign.code == code))
    assert found is not None
    return found


def add_lead(db: Database, n: int, code: str | None, **fields: object) -> int:
    with db.session() as session:
        lead = Lead(
            external_id=f"x{n}",
            name=f"Lead {n}",
            campaign_code=code,
            campaign_id=campaign_id(db, code) if code else None,
            received_at=T0,
            **fields,
        )
        session.add(lead)
        session.flush()
        return lead.id


def send(db: Database, settings: Settings, text: str, user: str = "UREP1") -> feedback.Sent:
    with db.session() as session:
        return feedback.submit_feedback(session, settings=settings, author_id=user, text=text)


def stored(db: Database, feedback_id: int) -> Feedback:
    with db.session() as session:
        found = session.get(Feedback, feedback_id)
    assert found is not None
    return found


def outbox(db: Database) -> list[OutboxMessage]:
    with db.session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_known_code_first_is_the_campaign(team: Database, settings: Settings) -> None:
    sent = send(team, settings, "SPRING #pricing Too expensive for 10 seats #competitor")
    row = stored(team, sent.feedback_id)
    assert row.campaign_id == campaign_id(team, "spring") and not row.campaign_inferred
    assert row.text == "Too expensive for 10 seats" and row.tags == ["pricing", "competitor"]
    assert row.kind == "rep" and row.author_id == "UREP1"
    assert sent.campaign is not None and sent.campaign.code == "spring"
    assert sent.inferred_from is None and sent.tags == ["pricing", "competitor"]
    [post] = outbox(team)
    assert (post.method, post.key, post.channel) == (
        "chat.postMessage",
        f"feedback:{sent.feedback_id}:post",
        "CMARKETING",
    )
    validate_blocks(post.args["blocks"])
    shown = str(post.args["blocks"])
    assert "Campaign: *Spring* (`spring`)" in shown and "inferred" not in shown
    assert "#pricing #competitor" in shown and ">Too expensive for 10 seats" in shown
    assert FeedbackIds.REPLY in shown and "<@UREP1>" in shown


def test_the_code_may_follow_leading_tags(team: Database, settings: Settings) -> None:
    sent = send(team, settings, "#objection #Pricing fall Wants a pilot first")
    row = stored(team, sent.feedback_id)
    assert row.campaign_id == campaign_id(team, "fall") and not row.campaign_inferred
    assert row.text == "Wants a pilot first" and row.tags == ["objection", "pricing"]


def test_otherwise_the_campaign_of_the_reps_latest_touched_lead(
    team: Database, settings: Settings
) -> None:
    add_lead(team, 1, "spring", owner_id="UREP1", status="claimed", status_at=T0)
    add_lead(team, 2, "fall", owner_id="UREP2", status_by="UREP1", status_at=T0 + timedelta(1))
    add_lead(team, 3, None, owner_id="UREP1", status_at=T0 + timedelta(2))  # no campaign
    add_lead(team, 4, "spring", owner_id="UREP1")  # never touched
    add_lead(team, 5, "spring", owner_id="UREP2", status_by="UREP2", status_at=T0 + timedelta(3))
    sent = send(team, settings, "they loved the webinar")
    row = stored(team, sent.feedback_id)
    assert row.campaign_id == campaign_id(team, "fall") and row.campaign_inferred
    assert row.text == "they loved the webinar" and row.tags == []
    assert sent.inferred_from == "Lead 2"
    assert "inferred from the rep's latest lead" in str(outbox(team)[0].args["blocks"])


def test_first_touch_counts_when_there_is_no_status_time(team: Database) -> None:
    add_lead(team, 1, "spring", owner_id="UREP1", first_touched_at=T0 + timedelta(hours=5))
    add_lead(team, 2, "fall", owner_id="UREP1", status_at=T0 + timedelta(hours=1))
    with team.session() as session:
        lead = latest_touched_lead(session, "UREP1")
        assert lead is not None and lead.name == "Lead 1"
        assert latest_touched_lead(session, "UREP3") is None


def test_no_code_and_no_touched_lead_means_no_campaign(team: Database, settings: Settings) -> None:
    sent = send(team, settings, "fallish #feature wants an API", user="UREP3")
    row = stored(team, sent.feedback_id)
    assert row.campaign_id is None and not row.campaign_inferred
    assert row.text == "fallish #feature wants an API" and row.tags == ["feature"]
    assert "No campaign" in str(outbox(team)[0].args["blocks"])


@pytest.mark.parametrize(
    ("text", "context"), [("spring", {"code": "spring"}), ("#pricing #praise", {"code": None})]
)
def test_a_code_or_tags_alone_are_not_feedback(
    team: Database, settings: Settings, text: str, context: dict
) -> None:
    with pytest.raises(Refusal) as problem:
        send(team, settings, text)
    assert problem.value.kind == "no_text" and problem.value.context == context
    assert outbox(team) == []


def test_only_people_on_the_roster_send_feedback(team: Database, settings: Settings) -> None:
    with pytest.raises(Refusal, match="not_on_roster"):
        send(team, settings, "hello", user="UOUTSIDER")
    with pytest.raises(Refusal, match="not_configured"):
        send(team, replace(settings, marketing_channel=None), "hello")
    with team.session() as session:
        assert session.scalar(select(Feedback)) is None


def test_lead_quality_feedback_is_posted_marked_as_such(team: Database, settings: Settings) -> None:
    lead = add_lead(team, 1, "spring", owner_id="UREP1", company="Acme & Co")
    with team.session() as session:
        row = Feedback(
            campaign_id=campaign_id(team, "spring"),
            lead_id=lead,
            author_id="UREP1",
            kind="lead_quality",
            text="Student or job seeker: <!here> intern",
            tags=["student_job_seeker"],
        )
        session.add(row)
        session.flush()
        feedback.record_lead_quality(session, settings=settings, feedback=row)
        fid = row.id
    [post] = outbox(team)
    assert post.key == f"feedback:{fid}:post" and post.channel == "CMARKETING"
    validate_blocks(post.args["blocks"])
    shown = str(post.args["blocks"])
    assert "*Lead-quality feedback* (Not a fit)" in shown
    assert ">Student or job seeker: &lt;!here&gt; intern" in shown and "<!here>" not in shown
    assert "Lead: Lead 1, Acme &amp; Co" in shown and "Tags:" not in shown
    assert post.args["text"].startswith("Lead-quality feedback from <@UREP1> on Spring")


def test_lead_quality_without_a_marketing_channel_is_stored_only(
    team: Database, settings: Settings
) -> None:
    with team.session() as session:
        row = Feedback(author_id="UREP1", kind="lead_quality", text="Spam or fake", tags=["spam"])
        session.add(row)
        feedback.record_lead_quality(
            session, settings=replace(settings, marketing_channel=None), feedback=row
        )
    assert outbox(team) == []
    with team.session() as session:
        assert session.scalar(select(Feedback.text)) == "Spam or fake"
