"""A campaign's feedback at a glance, for `/campaign stats CODE`: how much, by tag, the latest."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.feedback.text import TAGS
from bot.models import Feedback
from bot.states import FeedbackKind

LATEST = 3


@dataclass(frozen=True)
class FeedbackSummary:
    count: int  # every piece of feedback on the campaign, lead-quality included
    by_tag: dict[str, int]  # reps' #tags, most used first (ties in the order of TAGS)
    latest: list[Feedback] = field(default_factory=list)  # newest first
    lead_quality: int = 0  # "Not a fit" reasons given on the campaign's leads


def feedback_summary(
    session: Session, campaign_id: int, *, latest: int = LATEST
) -> FeedbackSummary:
    rows = session.execute(
        select(Feedback.kind, Feedback.tags).where(Feedback.campaign_id == campaign_id)
    ).all()
    tags: Counter[str] = Counter()
    lead_quality = 0
    for kind, row_tags in rows:
        if kind == FeedbackKind.LEAD_QUALITY:
            lead_quality += 1
        else:
            tags.update(tag for tag in row_tags or [] if tag in TAGS)
    order = {tag: n for n, tag in enumerate(TAGS)}
    by_tag = dict(sorted(tags.items(), key=lambda item: (-item[1], order[item[0]])))
    newest = list(
        session.scalars(
            select(Feedback)
            .where(Feedback.campaign_id == campaign_id)
            .order_by(Feedback.created_at.desc(), Feedback.id.desc())
            .limit(latest)
        )
    )
    return FeedbackSummary(len(rows), by_tag, newest, lead_quality)
