"""What the weekly sync report says, gathered for one ISO week: every campaign that had leads
with its scorecard (beside the team's), the fastest- and slowest-worked campaign, what
customers said (top tags, a few quoted lines), feedback still unanswered and the not-a-fit
reasons. The scorecards come from `bot.outcomes.scorecard`, like everywhere else."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from bot.models import Campaign, Feedback
from bot.outcomes.scorecard import (
    CampaignRef,
    Scorecard,
    ScorecardApp,
    Scorecards,
    in_period,
    scorecards,
)
from bot.reports.weeks import IsoWeek
from bot.states import FeedbackKind

TOP_TAGS = 3
QUOTES = 3
UNANSWERED_SHOWN = 3


@dataclass(frozen=True)
class CampaignCard:
    ref: CampaignRef | None  # None: leads with no campaign
    card: Scorecard

    @property
    def name(self) -> str:
        return self.ref.name if self.ref else "No campaign"


@dataclass(frozen=True)
class Quote:
    text: str
    author_id: str
    tags: list[str]
    campaign: str | None


@dataclass
class WeeklyContent:
    week: IsoWeek
    zone: ZoneInfo
    sla: timedelta
    team: Scorecard
    campaigns: list[CampaignCard]  # most leads first
    fastest: CampaignCard | None = None
    slowest: CampaignCard | None = None
    quotes: list[Quote] = field(default_factory=list)
    unanswered: int = 0
    unanswered_oldest: list[Quote] = field(default_factory=list)

    @property
    def top_tags(self) -> list[tuple[str, int]]:
        return list(self.team.feedback_tags.items())[:TOP_TAGS]


def build_weekly(app: ScorecardApp, week: IsoWeek) -> WeeklyContent:
    """The report for `week`, in DEFAULT_TIMEZONE. Opens its own sessions (none may be open)."""
    zone = ZoneInfo(app.settings.default_timezone)
    period = week.period(zone)
    cards = scorecards(app, period)
    campaigns = campaign_cards(cards)
    content = WeeklyContent(
        week=week, zone=zone, sla=app.settings.hot_lead_sla, team=cards.team, campaigns=campaigns
    )
    worked = [c for c in campaigns if c.ref and c.card.median_first_touch is not None]
    if len(worked) >= 2:
        ordered = sorted(worked, key=lambda c: (c.card.median_first_touch, c.name))
        content.fastest, content.slowest = ordered[0], ordered[-1]
    with app.db.read_session() as session:
        top = [tag for tag, _ in content.top_tags]
        clauses = in_period(period, Feedback.created_at)
        content.quotes = quotes(session, period_clauses=clauses, top_tags=top)
        content.unanswered, content.unanswered_oldest = unanswered(session)
    return content


def campaign_cards(cards: Scorecards) -> list[CampaignCard]:
    found = [
        CampaignCard(cards.refs.get(key) if key is not None else None, card)
        for key, card in cards.campaigns.items()
        if card.leads
    ]
    return sorted(found, key=lambda c: (c.ref is None, -c.card.leads, c.name))


def _quote(row: Feedback, campaign: str | None) -> Quote:
    return Quote(row.text, row.author_id, list(row.tags or []), campaign)


def _with_campaign(*clauses: ColumnElement[bool]) -> Select[Feedback, str]:
    """Feedback rows and their campaign's name (None without one: an outer join)."""
    return (
        select(Feedback, Campaign.name)
        .outerjoin(Campaign, Campaign.id == Feedback.campaign_id)
        .where(*clauses)
    )


def quotes(
    session: Session, *, period_clauses: list[ColumnElement[bool]], top_tags: list[str]
) -> list[Quote]:
    """Up to QUOTES lines of the week's feedback: the newest line of each top tag first, then
    the newest lines."""
    rows = [
        _quote(row, campaign)
        for row, campaign in session.execute(
            _with_campaign(*period_clauses, Feedback.kind == FeedbackKind.REP.value)
            .order_by(Feedback.created_at.desc(), Feedback.id.desc())
            .limit(200)
        )
    ]
    chosen: list[Quote] = []
    for tag in top_tags:
        pick = next((r for r in rows if tag in r.tags and r not in chosen), None)
        if pick is not None:
            chosen.append(pick)
    for row in rows:
        if len(chosen) >= QUOTES:
            break
        if row not in chosen:
            chosen.append(row)
    return chosen[:QUOTES]


def unanswered(session: Session) -> tuple[int, list[Quote]]:
    """How much reps' feedback marketing has not answered yet (ever), and the oldest lines."""
    waiting = (Feedback.kind == FeedbackKind.REP.value, Feedback.replied_at.is_(None))
    count = session.scalar(select(func.count()).select_from(Feedback).where(*waiting)) or 0
    oldest = session.execute(
        _with_campaign(*waiting).order_by(Feedback.created_at, Feedback.id).limit(UNANSWERED_SHOWN)
    )
    return count, [_quote(row, campaign) for row, campaign in oldest]
