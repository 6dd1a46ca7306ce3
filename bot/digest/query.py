"""What a digest is made of, read in a few set-based queries (never one per rep or lead).

A lead is *stale* when it is open (not contacted, not "not a fit"), nobody has touched it
(`first_touched_at IS NULL`), it is not snoozed right now, and it arrived more than
`STALE_AFTER` ago. A hot lead in the same state is listed as soon as it is past its SLA:
more than `HOT_LEAD_SLA` of its rep's *working* time since it arrived (the ladder's clock).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from bot.keys import alert_key, escalation_key
from bot.leads.pings import STEP_ESCALATION
from bot.models import Campaign, Lead, Person, Ping, SlackMessage
from bot.states import CLOSED_STATUSES
from bot.workhours import WorkingHours


@dataclass(frozen=True)
class Team:
    manager_id: str
    manager_name: str
    reps: dict[str, str]  # rep Slack id -> name, in roster order


@dataclass
class StaleLead:
    id: int
    name: str
    company: str | None
    score: int | None
    hot: bool
    received_at: datetime
    campaign: str | None
    alert_url: str | None = None  # for the rep (their DM): the digest's Nudge
    escalation_url: str | None = None  # for the manager: the escalation they were sent

    def sort_key(self) -> tuple[bool, datetime, int]:
        """Hot leads first (each is past its SLA), then the oldest."""
        return (not self.hot, self.received_at, self.id)


@dataclass
class RepStale:
    rep_id: str
    name: str
    total: int = 0
    hot_total: int = 0
    oldest: datetime | None = None
    leads: list[StaleLead] = field(default_factory=list)  # the first few, by sort_key

    def add_young_hot(self, lead: StaleLead) -> None:
        self.total += 1
        self.hot_total += 1
        self.oldest = min(self.oldest or lead.received_at, lead.received_at)
        self.leads.append(lead)


def teams(session: Session, manager_ids: Iterable[str] | None = None) -> list[Team]:
    """Managers (role `manager`, or exactly `manager_ids` whatever their role) and their reps."""
    manager = aliased(Person)
    rep = aliased(Person)
    query = select(manager.slack_id, manager.name).order_by(manager.name, manager.slack_id)
    if manager_ids is None:
        query = query.where(manager.role == "manager")
    else:
        query = query.where(manager.slack_id.in_(list(manager_ids)))
    found: dict[str, tuple[str, dict[str, str]]] = {
        slack_id: (name, {}) for slack_id, name in session.execute(query)
    }
    if not found:
        return []
    reps = session.execute(
        select(manager.slack_id, rep.slack_id, rep.name)
        .join(rep, rep.manager_id == manager.id)
        .where(manager.slack_id.in_(list(found)))
        .order_by(rep.name, rep.slack_id)
    )
    for manager_id, rep_id, rep_name in reps:
        found[manager_id][1][rep_id] = rep_name
    return [Team(slack_id, name, reps) for slack_id, (name, reps) in found.items()]


def _lead_columns() -> tuple:
    return (
        Lead.id,
        Lead.name,
        Lead.company,
        Lead.score,
        Lead.hot,
        Lead.received_at,
        func.coalesce(Campaign.name, Lead.campaign_code).label("campaign"),
        Lead.owner_id,
    )


def _untouched(now: datetime) -> tuple:
    return (
        Lead.status.not_in(CLOSED_STATUSES),
        Lead.first_touched_at.is_(None),
        or_(Lead.snoozed_until.is_(None), Lead.snoozed_until <= now),
    )


def _lead(row: Row[*tuple[Any, ...]]) -> StaleLead:  # the columns of _lead_columns()
    return StaleLead(
        id=row.id,
        name=row.name,
        company=row.company,
        score=row.score,
        hot=bool(row.hot),
        received_at=row.received_at,
        campaign=row.campaign,
    )


def stale_by_rep(
    session: Session,
    reps: dict[str, str],
    *,
    now: datetime,
    stale_after: timedelta,
    sla: timedelta,
    hours: WorkingHours,
    zone_of: Callable[[str], ZoneInfo],
    per_rep: int,
) -> dict[str, RepStale]:
    """Each rep's stale and past-SLA leads: counts of all, and the first `per_rep` of them.

    Two queries: leads past STALE_AFTER (ranked per rep by a window function, so only the
    first few rows per rep leave the database), and younger untouched hot leads, which are
    few and are checked against the SLA in each rep's working hours here.
    """
    if not reps:
        return {}
    stale_before = now - stale_after
    owners = Lead.owner_id.in_(list(reps))
    ranked = (
        select(
            *_lead_columns(),
            func.row_number()
            .over(
                partition_by=Lead.owner_id,
                order_by=(Lead.hot.desc(), Lead.received_at, Lead.id),
            )
            .label("lead_rank"),
            func.count().over(partition_by=Lead.owner_id).label("total"),
            func.sum(case((Lead.hot.is_(True), 1), else_=0))
            .over(partition_by=Lead.owner_id)
            .label("hot_total"),
            func.min(Lead.received_at).over(partition_by=Lead.owner_id).label("oldest"),
        )
        .outerjoin(Campaign, Campaign.id == Lead.campaign_id)
        .where(owners, *_untouched(now), Lead.received_at <= stale_before)
        .subquery()
    )
    result: dict[str, RepStale] = {}
    for row in session.execute(select(ranked).where(ranked.c.lead_rank <= per_rep)):
        entry = result.get(row.owner_id)
        if entry is None:
            entry = result[row.owner_id] = RepStale(
                row.owner_id, reps[row.owner_id], row.total, row.hot_total or 0, row.oldest
            )
        entry.leads.append(_lead(row))
    young_hot = session.execute(
        select(*_lead_columns())
        .outerjoin(Campaign, Campaign.id == Lead.campaign_id)
        .where(
            owners,
            *_untouched(now),
            Lead.hot.is_(True),
            Lead.received_at > stale_before,
            Lead.received_at <= now - sla,  # working time never exceeds wall time
        )
    )
    for row in young_hot:
        if hours.worked_between(row.received_at, now, zone_of(row.owner_id)) <= sla:
            continue
        entry = result.setdefault(row.owner_id, RepStale(row.owner_id, reps[row.owner_id]))
        entry.add_young_hot(_lead(row))
    for entry in result.values():
        entry.leads = sorted(entry.leads, key=StaleLead.sort_key)[:per_rep]
    return result


def alert_locations(
    session: Session, leads: Iterable[tuple[int, str]]
) -> dict[int, tuple[str, str]]:
    """lead id -> (channel, ts) of its alert, for the (lead id, owner id) pairs given."""
    keys = {alert_key(lead_id, owner): lead_id for lead_id, owner in leads}
    if not keys:
        return {}
    found: dict[int, tuple[str, str]] = {}
    key_list = list(keys)
    for start in range(0, len(key_list), 500):
        chunk = key_list[start : start + 500]
        rows = session.execute(
            select(SlackMessage.key, SlackMessage.channel, SlackMessage.ts).where(
                SlackMessage.key.in_(chunk)
            )
        )
        for key, channel, ts in rows:
            found[keys[key]] = (channel, ts)
    return found


def escalation_locations(session: Session, lead_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """lead id -> (channel, ts) of the escalation about its current owner's wait (the one
    its manager was sent), for the leads that have one."""
    ids = list(lead_ids)
    found: dict[int, tuple[str, str]] = {}
    for start in range(0, len(ids), 500):
        pairs = session.execute(
            select(Ping.lead_id, Ping.cycle)
            .join(Lead, Lead.id == Ping.lead_id)
            .where(
                Ping.lead_id.in_(ids[start : start + 500]),
                Ping.step == STEP_ESCALATION,
                Ping.cycle == Lead.ladder_cycle,
            )
        )
        keys = {escalation_key(lead_id, cycle): lead_id for lead_id, cycle in pairs}
        if not keys:
            continue
        rows = session.execute(
            select(SlackMessage.key, SlackMessage.channel, SlackMessage.ts).where(
                SlackMessage.key.in_(list(keys))
            )
        )
        for key, channel, ts in rows:
            found[keys[key]] = (channel, ts)
    return found


@dataclass
class TouchRow:
    owner_id: str
    received_at: datetime
    first_touched_at: datetime | None
    campaign: str | None


def hot_arrivals(
    session: Session, reps: Iterable[str], start: datetime, end: datetime
) -> dict[str, list[TouchRow]]:
    """Hot leads owned by `reps` that arrived in [start, end), grouped by owner."""
    owners = list(reps)
    grouped: dict[str, list[TouchRow]] = defaultdict(list)
    if not owners:
        return grouped
    rows = session.execute(
        select(
            Lead.owner_id,
            Lead.received_at,
            Lead.first_touched_at,
            func.coalesce(Campaign.name, Lead.campaign_code),
        )
        .outerjoin(Campaign, Campaign.id == Lead.campaign_id)
        .where(
            Lead.owner_id.in_(owners),
            Lead.hot.is_(True),
            and_(Lead.received_at >= start, Lead.received_at < end),
        )
    )
    for owner, received, touched, campaign in rows:
        assert owner is not None  # the query keeps only owner_id IN owners
        grouped[owner].append(TouchRow(owner, received, touched, campaign))
    return grouped
