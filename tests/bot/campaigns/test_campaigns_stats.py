"""`/campaign stats`: the numbers, and the reply that shows them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.campaigns import CampaignStats, campaign_stats, stats_message
from bot.db import Database
from bot.messages import validate_blocks
from bot.models import Campaign, Feedback, Lead

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def lead(n: int, campaign: Campaign | None, **fields: object) -> Lead:
    return Lead(
        external_id=f"s{n}",
        name=f"Lead {n}",
        campaign_id=campaign.id if campaign else None,
        received_at=T0,
        **fields,
    )


def test_stats_count_leads_hot_touched_median_and_feedback(db: Database) -> None:
    with db.session() as session:
        spring = Campaign(code="spring", name="Spring")
        other = Campaign(code="other", name="Other")
        session.add_all([spring, other])
        session.flush()
        session.add_all(
            [
                lead(1, spring, hot=True),  # untouched
                lead(
                    2,
                    spring,
                    hot=True,
                    status="claimed",
                    first_touched_at=T0 + timedelta(minutes=4),
                ),
                lead(3, spring, status="contacted", first_touched_at=T0 + timedelta(minutes=10)),
                lead(4, spring, status="not_fit"),  # touched, no first-touch time recorded
                lead(5, spring, first_touched_at=T0 + timedelta(minutes=30)),  # still "new"
                lead(6, other, hot=True, status="claimed", first_touched_at=T0),
                lead(7, None, hot=True),
            ]
        )
        session.add_all(
            [
                Feedback(campaign_id=spring.id, author_id="UREP1", text="price"),
                Feedback(campaign_id=spring.id, author_id="UREP2", text="timing"),
                Feedback(campaign_id=other.id, author_id="UREP2", text="x"),
                Feedback(campaign_id=None, author_id="UREP2", text="y"),
            ]
        )
    with db.session() as session:
        stats = campaign_stats(session, session.get(Campaign, spring.id))
    assert stats == CampaignStats(
        leads=5, hot_leads=2, touched=4, median_first_touch=timedelta(minutes=10), feedback=2
    )


def test_stats_of_a_campaign_without_leads(db: Database) -> None:
    with db.session() as session:
        empty = Campaign(code="empty", name="Empty")
        session.add(empty)
        session.flush()
        assert campaign_stats(session, empty) == CampaignStats(0, 0, 0, None, 0)


def test_median_of_an_even_count_is_the_midpoint(db: Database) -> None:
    with db.session() as session:
        spring = Campaign(code="spring", name="Spring")
        session.add(spring)
        session.flush()
        for n, minutes in enumerate([2, 4, 6, 100]):
            session.add(lead(n, spring, first_touched_at=T0 + timedelta(minutes=minutes)))
        session.flush()
        assert campaign_stats(session, spring).median_first_touch == timedelta(minutes=5)


def test_the_stats_reply(db: Database) -> None:
    with db.session() as session:
        spring = Campaign(code="spring", name="Spring <!here>")
        session.add(spring)
        session.flush()
        session.add(lead(1, spring, hot=True, first_touched_at=T0 + timedelta(minutes=12)))
        session.flush()
        message = stats_message(session, " SPRING ")
    validate_blocks(message.blocks)
    text = str(message.blocks)
    assert "Spring &lt;!here&gt;" in text
    assert "*Leads*\\n1" in text and "*Hot leads*\\n1" in text and "12m" in text
    assert "median time to first touch 12m" in message.text
