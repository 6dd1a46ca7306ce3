"""The marketer's board: a card per active campaign, the feedback inbox and trending tags.

A card shows the campaign's scorecard (`bot.outcomes`, since ever, as `/campaign stats`),
how many of the sales team have read the brief and who has not, the reps its leads go to
(when it names them), and Edit / End buttons.
The inbox lists feedback unanswered first, newest first, with the marketing post's own
"Reply to rep" button. Tags trend over the last 7 days against the 7 before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.campaigns.service import SALES_TEAM
from bot.home.common import Figures
from bot.ids import HomeIds
from bot.models import Campaign, CampaignRead, Feedback, Person
from bot.routing.pools import campaign_reps
from bot.states import CampaignStatus

TREND_WINDOW = timedelta(days=7)
NOT_READ_NAMED = 8  # who has not read a brief: this many named, then "and N more"
TAGS_SHOWN = 6


@dataclass
class CampaignCard:
    campaign: Campaign
    figures: Figures
    read: int
    team: int
    not_read: list[str]  # Slack ids, the first few
    block_id: str
    reps: tuple[str, ...] = ()  # its round-robin pool (empty: the whole team)

    @property
    def more_not_read(self) -> int:
        return self.team - self.read - len(self.not_read)


@dataclass
class InboxItem:
    feedback: Feedback
    campaign: str | None


@dataclass
class Trend:
    tag: str
    count: int
    change: int  # against the 7 days before


@dataclass
class CampaignBoard:
    cards: list[CampaignCard]
    total: int
    inbox: list[InboxItem]
    unanswered: int
    inbox_total: int
    trends: list[Trend]

    @property
    def more_cards(self) -> int:
        return self.total - len(self.cards)

    @property
    def more_inbox(self) -> int:
        return self.inbox_total - len(self.inbox)


def _cards(
    session: Session, shown: int, figures_of: Callable[[int], Figures]
) -> tuple[list[CampaignCard], int]:
    active = Campaign.status == CampaignStatus.ACTIVE
    total = session.scalar(select(func.count()).select_from(Campaign).where(active)) or 0
    campaigns = session.scalars(
        select(Campaign)
        .where(active)
        .order_by(Campaign.created_at.desc(), Campaign.id.desc())
        .limit(max(shown, 0))
    ).all()
    team = {
        str(slack_id): str(name)
        for slack_id, name in session.execute(
            select(Person.slack_id, Person.name)
            .where(Person.role.in_(SALES_TEAM))
            .order_by(Person.name, Person.slack_id)
        )
    }
    readers: dict[int, set[str]] = {c.id: set() for c in campaigns}
    if campaigns:
        for campaign_id, slack_id in session.execute(
            select(CampaignRead.campaign_id, CampaignRead.slack_id).where(
                CampaignRead.campaign_id.in_(list(readers))
            )
        ):
            if slack_id in team:
                readers[campaign_id].add(slack_id)
    cards = []
    for campaign in campaigns:
        read = readers[campaign.id]
        missing = [slack_id for slack_id in team if slack_id not in read]
        cards.append(
            CampaignCard(
                campaign,
                figures_of(campaign.id),
                len(read),
                len(team),
                missing[:NOT_READ_NAMED],
                f"{HomeIds.CAMPAIGN_ACTIONS}:{campaign.id}",
                campaign_reps(session, campaign.id),
            )
        )
    return cards, total


def _inbox(session: Session, shown: int) -> tuple[list[InboxItem], int, int]:
    unanswered = (
        session.scalar(
            select(func.count()).select_from(Feedback).where(Feedback.replied_by.is_(None))
        )
        or 0
    )
    total = session.scalar(select(func.count()).select_from(Feedback)) or 0
    rows = session.execute(
        select(Feedback, Campaign.name)
        .outerjoin(Campaign, Campaign.id == Feedback.campaign_id)
        .order_by(Feedback.replied_by.is_not(None), Feedback.created_at.desc(), Feedback.id.desc())
        .limit(max(shown, 0))
    ).all()
    return [InboxItem(feedback, name) for feedback, name in rows], unanswered, total


def _trends(session: Session, now: datetime) -> list[Trend]:
    recent: Counter[str] = Counter()
    before: Counter[str] = Counter()
    rows = session.execute(
        select(Feedback.tags, Feedback.created_at).where(
            Feedback.created_at > now - 2 * TREND_WINDOW
        )
    )
    for tags, created in rows:
        bucket = recent if created > now - TREND_WINDOW else before
        bucket.update(set(tags or ()))
    ranked = sorted(recent.items(), key=lambda kv: (-kv[1], -(kv[1] - before[kv[0]]), kv[0]))
    return [Trend(tag, count, count - before[tag]) for tag, count in ranked[:TAGS_SHOWN]]


def campaign_board(
    session: Session,
    *,
    now: datetime,
    cards_shown: int,
    inbox_shown: int,
    figures_of: Callable[[int], Figures],
) -> CampaignBoard:
    """`figures_of(campaign id)`: the campaign's scorecard figures (since ever, as
    `/campaign stats` shows them)."""
    cards, total = _cards(session, cards_shown, figures_of)
    inbox, unanswered, inbox_total = _inbox(session, inbox_shown)
    return CampaignBoard(cards, total, inbox, unanswered, inbox_total, _trends(session, now))
