"""What every part of the Home shares: whose Home it is, their sections, time zones, links."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from bot.config import Settings
from bot.digest.build import alert_url
from bot.digest.query import alert_locations
from bot.durations import format_duration
from bot.models import Campaign, Lead, Person, SlackUser
from bot.outcomes.figures import Scorecard
from bot.outcomes.scorecard import Period, Scorecards, build_scorecards, owner_ids
from bot.states import OPEN_STATUSES, CampaignStatus

_REP = aliased(Person, name="rep")  # built once, not per Home


@dataclass(frozen=True)
class Sections:
    """Which boards a person sees. The roster gives one role; what they hold adds the rest:
    anyone who owns open leads gets a queue, anyone with reps the team, anyone who started an
    active campaign the campaigns."""

    person: Person | None
    rep: bool = False
    manager: bool = False
    marketer: bool = False
    admin: bool = False

    @property
    def count(self) -> int:
        return sum((self.rep, self.manager, self.marketer, self.admin))


def sections_of(session: Session, slack_id: str) -> Sections:
    someone = session.scalar(select(Person).where(Person.slack_id == slack_id))
    if someone is None:
        return Sections(None)
    rep = _REP
    owns = session.scalar(
        select(exists().where(Lead.owner_id == slack_id, Lead.status.in_(OPEN_STATUSES)))
    )
    has_reps = session.scalar(select(exists().where(rep.manager_id == someone.id)))
    started = session.scalar(
        select(
            exists().where(
                Campaign.created_by == slack_id, Campaign.status == CampaignStatus.ACTIVE
            )
        )
    )
    return Sections(
        someone,
        rep=someone.role == "rep" or bool(owns),
        manager=someone.role == "manager" or bool(has_reps),
        marketer=someone.role == "marketer" or bool(started),
        admin=someone.role == "admin",
    )


def zone_named(name: str | None, default: str) -> ZoneInfo:
    for candidate in (name, default, "UTC"):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def zones_in_session(
    session: Session, slack_ids: Iterable[str], default: str
) -> dict[str, ZoneInfo]:
    """Slack id -> zone: the roster's override, else the cached Slack profile, else `default`.
    One query, no Slack call (a Home is built inside a transaction)."""
    wanted = list(set(slack_ids))
    found: dict[str, str | None] = dict.fromkeys(wanted)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = session.execute(
            select(Person.slack_id, Person.tz_override, SlackUser.tz)
            .outerjoin(SlackUser, SlackUser.slack_id == Person.slack_id)
            .where(Person.slack_id.in_(chunk))
        )
        for slack_id, override, slack_tz in rows:
            found[slack_id] = override or slack_tz
    return {slack_id: zone_named(name, default) for slack_id, name in found.items()}


def alert_links(session: Session, leads: Iterable[tuple[int, str]]) -> dict[int, str]:
    """lead id -> a link to its alert in the owner's DM, for the (lead id, owner) pairs given."""
    return {
        lead_id: alert_url(channel, ts)
        for lead_id, (channel, ts) in alert_locations(session, leads).items()
    }


def home_scorecards(session: Session, settings: Settings, period: Period) -> Scorecards:
    """The scorecards of `period` (the outcomes' one builder), owners' zones read here."""
    owners = owner_ids(session, period)
    zones = zones_in_session(session, owners, settings.default_timezone)
    fallback = zone_named(None, settings.default_timezone)
    return build_scorecards(
        session,
        period=period,
        sla=settings.hot_lead_sla,
        hours=settings.working_hours,
        zone_of=lambda owner: zones.get(owner or "", fallback),
    )


@dataclass(frozen=True)
class Figures:
    """A scorecard's few figures as the Home shows them."""

    leads: int
    hot: int
    within_sla: int
    share: str  # "75%" or "n/a"
    median: str  # "8m" or "n/a"
    conversion: str  # "12%" or "n/a"
    feedback: int

    @classmethod
    def of(cls, card: Scorecard) -> Figures:
        return cls(
            leads=card.leads,
            hot=card.hot,
            within_sla=card.within_sla,
            share=_percent(card.within_sla_share),
            median=format_duration(card.median_first_touch)
            if card.median_first_touch is not None
            else "n/a",
            conversion=_percent(card.conversion),
            feedback=card.feedback,
        )


def _percent(share: float | None) -> str:
    return "n/a" if share is None else f"{round(share * 100)}%"
