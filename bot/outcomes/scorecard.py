"""The scorecard builder: one place that turns a period's leads into figures, per campaign,
per owner (rep) and for the whole team (the baseline a campaign or rep is read against).

Used by `/campaign stats`, the weekly sync report, `report export`'s neighbours and the App
Home boards. Two calls, depending on what the caller holds:

    cards = scorecards(app, Period.week_of(day, zone))          # opens its own sessions
    cards = build_scorecards(session, period=..., sla=..., hours=..., zone_of=...)

    cards.team                     # Scorecard of every lead of the period (the baseline)
    cards.campaign(campaign_id)    # one campaign's (EMPTY when it had no leads)
    cards.owner("U0123")           # one rep's
    cards.campaigns / cards.owners # every group that had leads (key None: no campaign /
                                   # no owner), and cards.refs[campaign_id] its code and name

A lead belongs to a period when it *arrived* in it (`received_at`, half-open `[start, end)`);
its later touches and stage moves count whenever they happen, so last week's scorecard
improves as last week's leads are worked. Feedback belongs to the period it was written in.
Counts come from one SQL aggregate (grouped by campaign and owner, rolled up here); times to
first touch are streamed (`yield_per`) and measured in the owner's working time, with the
ladder's clock (`WorkingHours.worked_between`, the owner's zone). Memory grows only with the
number of touched leads' times (8 bytes each, three times), not with their rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol, cast
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.db import Database
from bot.digest.zones import zones
from bot.feedback.text import TAGS
from bot.models import Campaign, Feedback, Lead, LeadStageChange
from bot.outcomes.figures import EMPTY, Counts, Scorecard, Tally
from bot.people import SlackDirectory
from bot.states import FeedbackKind, LeadStage, LeadStatus
from bot.workhours import WorkingHours

STREAM_BATCH = 5000
# How far along the sale a stage is; `lost` implies the lead was worked, `disqualified` not.
RANKS = {
    LeadStage.WORKING: 1,
    LeadStage.LOST: 1,
    LeadStage.MEETING: 2,
    LeadStage.OPPORTUNITY: 3,
    LeadStage.WON: 4,
}
ZoneOf = Callable[[str | None], ZoneInfo]


@dataclass(frozen=True)
class Period:
    """Leads that arrived in `[start, end)` (UTC instants); `start` None means since ever."""

    start: datetime | None
    end: datetime

    @classmethod
    def days(cls, first: date, last: date, zone: ZoneInfo) -> Period:
        """From `first` 00:00 to the end of `last`, local time in `zone`."""
        return cls(_midnight(first, zone), _midnight(last + timedelta(days=1), zone))

    @classmethod
    def week_of(cls, day: date, zone: ZoneInfo) -> Period:
        """The ISO week (Monday to Sunday, local time in `zone`) that holds `day`."""
        monday = day - timedelta(days=day.weekday())
        return cls.days(monday, monday + timedelta(days=6), zone)

    @classmethod
    def since(cls, first: date | None, zone: ZoneInfo, now: datetime) -> Period:
        """From `first` 00:00 in `zone` (or since ever) until `now`."""
        return cls(None if first is None else _midnight(first, zone), now)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class CampaignRef:
    id: int
    code: str
    name: str
    status: str


@dataclass(frozen=True)
class Scorecards:
    period: Period
    team: Scorecard
    campaigns: dict[int | None, Scorecard] = field(default_factory=dict)
    owners: dict[str | None, Scorecard] = field(default_factory=dict)
    refs: dict[int, CampaignRef] = field(default_factory=dict)

    def campaign(self, campaign_id: int | None) -> Scorecard:
        return self.campaigns.get(campaign_id, EMPTY)

    def owner(self, slack_id: str | None) -> Scorecard:
        return self.owners.get(slack_id, EMPTY)


class ScorecardApp(Protocol):
    """What `scorecards()` needs: `bot.services.Handoff` and `bot.digest.parts.Parts` fit."""

    @property
    def settings(self) -> Settings: ...
    @property
    def db(self) -> Database: ...
    @property
    def directory(self) -> SlackDirectory: ...


def scorecards(app: ScorecardApp, period: Period) -> Scorecards:
    """Build the period's scorecards, resolving the owners' time zones first (which may ask
    Slack, so it happens with no session open)."""
    with app.db.read_session() as session:
        owners = owner_ids(session, period)
    zone_map = zones(app.directory, owners)
    fallback = ZoneInfo(app.settings.default_timezone)
    with app.db.read_session() as session:
        return build_scorecards(
            session,
            period=period,
            sla=app.settings.hot_lead_sla,
            hours=app.settings.working_hours,
            zone_of=lambda owner: zone_map.get(owner or "", fallback),
        )


def owner_ids(session: Session, period: Period) -> list[str]:
    """The owners of the period's leads."""
    return [
        owner
        for owner in session.scalars(
            select(Lead.owner_id).where(*in_period(period), Lead.owner_id.is_not(None)).distinct()
        )
        if owner is not None
    ]


def build_scorecards(
    session: Session,
    *,
    period: Period,
    sla: timedelta,
    hours: WorkingHours,
    zone_of: ZoneOf,
) -> Scorecards:
    """Every scorecard of `period`: per campaign, per owner and for the team."""
    by_campaign: dict[int | None, Tally] = defaultdict(Tally)
    by_owner: dict[str | None, Tally] = defaultdict(Tally)
    team = Tally()

    def tallies(campaign_id: int | None, owner_id: str | None) -> tuple[Tally, ...]:
        return team, by_campaign[campaign_id], by_owner[owner_id]

    for campaign_id, owner_id, counts in _group_counts(session, period):
        for tally in tallies(campaign_id, owner_id):
            tally.counts = tally.counts + counts
    sla_seconds = sla.total_seconds()
    zone_cache: dict[str | None, ZoneInfo] = {}
    for campaign_id, owner_id, received, touched in _touches(session, period):
        zone = zone_cache.get(owner_id)
        if zone is None:
            zone = zone_cache[owner_id] = zone_of(owner_id)
        if touched is None:  # the query keeps only touched leads
            continue
        seconds = hours.worked_between(received, touched, zone).total_seconds()
        for tally in tallies(campaign_id, owner_id):
            tally.touch(seconds, within_sla=seconds <= sla_seconds)
    for campaign_id, owner_id, tags in _not_fit_reasons(session, period):
        for tally in tallies(campaign_id, owner_id):
            tally.not_fit_reasons[tags[0] if tags else "other"] += 1
    for campaign_id, author_id, tags in _feedback(session, period):
        for tally in (team, by_campaign[campaign_id], by_owner[author_id]):
            tally.feedback += 1
            tally.feedback_tags.update(tag for tag in tags or [] if tag in TAGS)
    return Scorecards(
        period=period,
        team=Scorecard.of(team),
        campaigns={key: Scorecard.of(tally) for key, tally in by_campaign.items()},
        owners={key: Scorecard.of(tally) for key, tally in by_owner.items()},
        refs=campaign_refs(session, [key for key in by_campaign if key is not None]),
    )


def campaign_refs(session: Session, ids: Iterable[int]) -> dict[int, CampaignRef]:
    wanted = list(ids)
    refs: dict[int, CampaignRef] = {}
    for start in range(0, len(wanted), 500):
        rows = session.execute(
            select(Campaign.id, Campaign.code, Campaign.name, Campaign.status).where(
                Campaign.id.in_(wanted[start : start + 500])
            )
        )
        for row in rows:
            refs[row.id] = CampaignRef(row.id, row.code, row.name, row.status)
    return refs


# -- the queries -----------------------------------------------------------------------------


def in_period(period: Period, column: Any = None) -> list[ColumnElement[bool]]:
    column = Lead.received_at if column is None else column
    clauses = [column < period.end]
    if period.start is not None:
        clauses.append(column >= period.start)
    return clauses


def stage_rank(column: Any) -> ColumnElement[int]:
    return case({stage.value: rank for stage, rank in RANKS.items()}, value=column, else_=0)


def reached_rank(period: Period) -> tuple[Any, ColumnElement[int]]:
    """(history subquery, expression): the furthest rank a lead of the period ever reached,
    from its stage history and its current stage (a stage moved back still counts)."""
    history = (
        select(
            LeadStageChange.lead_id.label("lead_id"),
            func.max(stage_rank(LeadStageChange.stage)).label("rank"),
        )
        .join(Lead, Lead.id == LeadStageChange.lead_id)
        .where(*in_period(period))
        .group_by(LeadStageChange.lead_id)
        .subquery()
    )
    past = func.coalesce(history.c.rank, 0)
    current = stage_rank(Lead.stage)
    return history, case((past > current, past), else_=current)


def _group_counts(session: Session, period: Period) -> Iterable[tuple[Any, Any, Counts]]:
    history, reached = reached_rank(period)
    per_lead = (
        select(
            Lead.campaign_id.label("campaign_id"),
            Lead.owner_id.label("owner_id"),
            Lead.hot.label("hot"),
            Lead.stage.label("stage"),
            Lead.status.label("status"),
            Lead.first_touched_at.label("touched_at"),
            reached.label("reached"),
        )
        .outerjoin(history, history.c.lead_id == Lead.id)
        .where(*in_period(period))
        .subquery()
    )
    c = per_lead.c
    hot = c.hot.is_(True)
    rows = session.execute(
        select(
            c.campaign_id,
            c.owner_id,
            func.count(),
            func.count().filter(hot),
            func.count().filter(c.touched_at.is_not(None)),
            # Contacted before stages were recorded: status contacted, stage still new.
            func.count().filter(
                (c.reached >= 1)
                | ((c.status == LeadStatus.CONTACTED.value) & (c.stage == LeadStage.NEW.value))
            ),
            func.count().filter(c.reached >= 2),
            func.count().filter(c.reached >= 3),
            func.count().filter(c.stage == LeadStage.WON.value),
            func.count().filter(hot & (c.stage == LeadStage.WON.value)),
            func.count().filter(c.stage == LeadStage.LOST.value),
            func.count().filter(c.stage == LeadStage.DISQUALIFIED.value),
            func.count().filter(c.status == LeadStatus.NOT_FIT.value),
        ).group_by(c.campaign_id, c.owner_id)
    )
    for campaign_id, owner_id, *numbers in rows:
        yield campaign_id, owner_id, Counts(*(cast(int, n) or 0 for n in numbers))


def _touches(
    session: Session, period: Period
) -> Iterable[tuple[int | None, str | None, datetime, datetime | None]]:
    rows = session.execute(
        select(Lead.campaign_id, Lead.owner_id, Lead.received_at, Lead.first_touched_at)
        .where(*in_period(period), Lead.first_touched_at.is_not(None))
        .execution_options(yield_per=STREAM_BATCH)
    )
    yield from rows


def _not_fit_reasons(
    session: Session, period: Period
) -> Iterable[tuple[int | None, str | None, list[str] | None]]:
    rows = session.execute(
        select(Lead.campaign_id, Lead.owner_id, Feedback.tags)
        .join(Feedback, Feedback.lead_id == Lead.id)
        .where(
            *in_period(period),
            Lead.status == LeadStatus.NOT_FIT.value,
            Feedback.kind == FeedbackKind.LEAD_QUALITY.value,
        )
        .execution_options(yield_per=STREAM_BATCH)
    )
    yield from rows


def _feedback(
    session: Session, period: Period
) -> Iterable[tuple[int | None, str | None, list[str] | None]]:
    rows = session.execute(
        select(Feedback.campaign_id, Feedback.author_id, Feedback.tags)
        .where(*in_period(period, Feedback.created_at), Feedback.kind == FeedbackKind.REP.value)
        .execution_options(yield_per=STREAM_BATCH)
    )
    yield from rows


__all__ = [
    "EMPTY",
    "CampaignRef",
    "Counts",
    "Period",
    "Scorecard",
    "ScorecardApp",
    "Scorecards",
    "build_scorecards",
    "owner_ids",
    "scorecards",
]
