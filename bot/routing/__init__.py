"""Round robin that knows who is working: which rep gets a hot lead with no owner.

`route` considers everyone in the lead's pool (`bot.routing.pools`: its campaign's reps, else
everyone who takes leads, `bot.permissions.takes_leads`), skips whoever is
away (`/leads away`), outside their working hours now, or already holding
`MAX_OPEN_HOT_LEADS` open hot leads, and picks among the rest by smooth weighted round robin
(the roster's `weight`). The rotation lives in `routing_turns`, one per pool: each choice
first updates the pool's lock row, which serialises choosers across processes on PostgreSQL
(a row lock) and SQLite (the write lock) alike, so concurrent leads are shared out fairly.
Every decision is recorded in `routing_decisions`, for `/leads why`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.models import Lead, Person, RoutingDecision, RoutingTurn, SlackUser
from bot.permissions import takes_leads_clause
from bot.routing.pools import TEAM_POOL as TEAM_POOL
from bot.routing.pools import pool_of
from bot.states import OPEN_STATUSES

LOCK = ""  # the pool's lock row in routing_turns
HAD_IT = "had it before"  # why a rep in `exclude` was skipped


@dataclass(frozen=True)
class Decision:
    """The rep chosen (None: nobody eligible), the pool (its key, as `routing_turns` and a
    lead's `assigned_from` hold it, and its label, e.g. "the Spring webinar pool"), and why
    each rep was skipped."""

    pool: str
    chosen: str | None
    considered: list[dict[str, Any]]
    label: str = "the team"

    @property
    def pool_label(self) -> str:
        return self.label

    @property
    def nobody_reason(self) -> str:
        """Why nobody was chosen, for the sales channel's post."""
        if not self.considered:
            return f"nobody in {self.pool_label} takes leads"
        other = " else" if any(c["skipped"] == HAD_IT for c in self.considered) else ""
        return f"nobody{other} in {self.pool_label} is working and free now"


def weight_of(someone: Person) -> int:
    if someone.weight is not None:
        return someone.weight
    return 1 if someone.role == "rep" else 0


def is_away(someone: Person, now: datetime) -> bool:
    if someone.away_since is None or someone.away_since > now:
        return False
    return someone.away_until is None or someone.away_until > now


def zone_of(session: Session, someone: Person, default: str) -> ZoneInfo:
    name = someone.tz_override
    if not name:
        cached = session.get(SlackUser, someone.slack_id)
        name = cached.tz if cached is not None else None
    try:
        return ZoneInfo(name or default)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(default)


def open_hot_leads(session: Session, slack_ids: list[str]) -> dict[str, int]:
    rows = session.execute(
        select(Lead.owner_id, func.count())
        .where(Lead.owner_id.in_(slack_ids), Lead.hot.is_(True), Lead.status.in_(OPEN_STATUSES))
        .group_by(Lead.owner_id)
    )
    return {owner: count for owner, count in rows if owner}


def skip_reason(
    session: Session, someone: Person, *, settings: Settings, now: datetime, held: int
) -> str | None:
    if weight_of(someone) <= 0:
        return "weight 0"
    if is_away(someone, now):
        return "away" + (
            f" until {someone.away_until:%Y-%m-%d %H:%M} UTC" if someone.away_until else ""
        )
    zone = zone_of(session, someone, settings.default_timezone)
    if not settings.working_hours.is_working(now, zone):
        return "outside working hours"
    if held >= settings.max_open_hot_leads:
        return f"holds {held} open hot leads (MAX_OPEN_HOT_LEADS)"
    return None


def _lock_pool(session: Session, pool: str) -> None:
    """Take the pool's lock row (created on first use) for the rest of the transaction."""
    for _ in range(3):
        result = session.execute(
            update(RoutingTurn)
            .where(RoutingTurn.pool == pool, RoutingTurn.slack_id == LOCK)
            .values(credit=RoutingTurn.credit + 1)
            .execution_options(synchronize_session=False)
        )
        if cast(CursorResult[Any], result).rowcount == 1:
            return
        try:
            with session.begin_nested():
                session.add(RoutingTurn(pool=pool, slack_id=LOCK, credit=0))
        except IntegrityError:
            continue  # another process created it a moment ago: update it now
    raise RuntimeError(f"could not lock routing pool {pool!r}")


def route(
    session: Session,
    lead: Lead,
    *,
    settings: Settings,
    now: datetime,
    exclude: tuple[str, ...] = (),
    moving_from: str | None = None,
) -> Decision:
    """Choose the next eligible rep of `lead`'s pool (its campaign's reps, else the team),
    never one in `exclude`, and record the decision (the caller assigns); `moving_from`: the
    owner Handoff is moving the lead away from (REASSIGN_AFTER), marked on the decision."""
    found = pool_of(session, lead)
    pool = found.key
    _lock_pool(session, pool)
    query = select(Person).where(takes_leads_clause())
    if found.members is not None:
        query = query.where(Person.slack_id.in_(sorted(found.members)))
    people = list(session.scalars(query.order_by(Person.name, Person.slack_id)))
    held = open_hot_leads(session, [p.slack_id for p in people])
    considered: list[dict[str, Any]] = []
    eligible: list[Person] = []
    for someone in people:
        reason = (
            HAD_IT
            if someone.slack_id in exclude
            else skip_reason(
                session, someone, settings=settings, now=now, held=held.get(someone.slack_id, 0)
            )
        )
        considered.append({"slack_id": someone.slack_id, "skipped": reason})
        if reason is None:
            eligible.append(someone)
    chosen = _next_turn(session, pool, eligible)
    session.add(
        RoutingDecision(
            lead_id=lead.id,
            decided_at=now,
            pool=pool,
            chosen=chosen,
            considered=considered,
            reassigned_from=moving_from,
        )
    )
    return Decision(pool, chosen, considered, found.label)


def _next_turn(session: Session, pool: str, eligible: list[Person]) -> str | None:
    """Smooth weighted round robin over `eligible`: each gains its weight, the richest is
    chosen and pays the total back. Equal weights take strict turns."""
    if not eligible:
        return None
    ids = [p.slack_id for p in eligible]
    turns = {
        t.slack_id: t
        for t in session.scalars(
            select(RoutingTurn).where(RoutingTurn.pool == pool, RoutingTurn.slack_id.in_(ids))
        )
    }
    total = 0
    for someone in eligible:
        turn = turns.get(someone.slack_id)
        if turn is None:
            turn = turns[someone.slack_id] = RoutingTurn(
                pool=pool, slack_id=someone.slack_id, credit=0
            )
            session.add(turn)
        turn.credit += weight_of(someone)
        total += weight_of(someone)
    best = max(eligible, key=lambda p: (turns[p.slack_id].credit, -ids.index(p.slack_id)))
    turns[best.slack_id].credit -= total
    session.flush()
    return best.slack_id
