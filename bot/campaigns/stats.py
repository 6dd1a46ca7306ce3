"""`/campaign stats CODE`: how a campaign's leads are doing, as one dataclass."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.models import Campaign, Feedback, Lead
from bot.states import LeadStatus


@dataclass(frozen=True)
class CampaignStats:
    leads: int
    hot_leads: int
    touched: int  # a rep acted on it (its status moved on from "new", or it was first touched)
    median_first_touch: timedelta | None  # received -> first touched, over the touched leads
    feedback: int


def campaign_stats(session: Session, campaign: Campaign) -> CampaignStats:
    counts = session.execute(
        select(
            func.count(),
            func.count().filter(Lead.hot.is_(True)),
            func.count().filter(
                or_(Lead.status != LeadStatus.NEW, Lead.first_touched_at.is_not(None))
            ),
        ).where(Lead.campaign_id == campaign.id)
    ).one()
    touches = session.execute(
        select(Lead.received_at, Lead.first_touched_at).where(
            Lead.campaign_id == campaign.id, Lead.first_touched_at.is_not(None)
        )
    ).all()
    feedback = session.scalar(
        select(func.count()).select_from(Feedback).where(Feedback.campaign_id == campaign.id)
    )
    waits = [touched - received for received, touched in touches if touched is not None]
    return CampaignStats(
        leads=counts[0],
        hot_leads=counts[1],
        touched=counts[2],
        median_first_touch=_median(waits),
        feedback=feedback or 0,
    )


def _median(waits: list[timedelta]) -> timedelta | None:
    if not waits:
        return None
    return timedelta(seconds=statistics.median(w.total_seconds() for w in waits))
