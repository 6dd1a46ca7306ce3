"""The manager's board: a table of their reps and the team's overdue leads.

Per rep: open hot leads, overdue (hot, untouched, past `HOT_LEAD_SLA` of the rep's working
time), stale (untouched for `STALE_AFTER`, as in the digest) and whether they are working
now. The overdue leads, most overdue first, carry the escalation's Nudge and the alert's
Reassign. Set-based: a few queries for the whole team, never one per rep or lead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from bot.blockkit import cut
from bot.config import Settings
from bot.durations import format_duration
from bot.home.common import Figures, alert_links
from bot.ids import HomeIds
from bot.models import Campaign, Lead, Person
from bot.states import CLOSED_STATUSES, OPEN_STATUSES

# Lines of the team table per section block (a section's text holds 3000 characters).
ROWS_PER_BLOCK = 15
NAME_LIMIT = 40  # a rep's name in the table, so 15 rows fit a section's 3000 characters


@dataclass
class RepRow:
    id: str
    name: str
    open_hot: int = 0
    overdue: int = 0
    stale: int = 0
    working: bool = False
    week: Figures | None = None  # this week's scorecard (the outcomes' builder)


@dataclass
class OverdueLead:
    id: int
    name: str
    company: str | None
    campaign: str | None
    rep: str
    cycle: int
    late: timedelta
    block_id: str
    alert_url: str | None = None

    @property
    def overdue(self) -> str:
        return format_duration(self.late)


@dataclass
class TeamBoard:
    rows: list[RepRow]
    overdue: list[OverdueLead] = field(default_factory=list)
    overdue_total: int = 0

    @property
    def chunks(self) -> list[list[RepRow]]:
        return [self.rows[i : i + ROWS_PER_BLOCK] for i in range(0, len(self.rows), ROWS_PER_BLOCK)]

    @property
    def more_overdue(self) -> int:
        return self.overdue_total - len(self.overdue)


def reps_of(session: Session, manager: Person) -> dict[str, str]:
    rows = session.execute(
        select(Person.slack_id, Person.name)
        .where(Person.manager_id == manager.id)
        .order_by(Person.name, Person.slack_id)
    )
    return {str(slack_id): str(name) for slack_id, name in rows}


def team_board(
    session: Session,
    manager: Person,
    *,
    settings: Settings,
    zone_of: Callable[[str], ZoneInfo],
    now: datetime,
    shown: int,
) -> TeamBoard:
    reps = reps_of(session, manager)
    rows = {
        rep_id: RepRow(
            rep_id,
            cut(name, NAME_LIMIT),
            working=settings.working_hours.is_working(now, zone_of(rep_id)),
        )
        for rep_id, name in reps.items()
    }
    if not rows:
        return TeamBoard([])
    owners = Lead.owner_id.in_(list(rows))
    untouched = (
        Lead.status.not_in(CLOSED_STATUSES),
        Lead.first_touched_at.is_(None),
        or_(Lead.snoozed_until.is_(None), Lead.snoozed_until <= now),
    )
    counts = session.execute(
        select(
            Lead.owner_id,
            func.sum(case((Lead.hot.is_(True) & Lead.status.in_(OPEN_STATUSES), 1), else_=0)),
            func.sum(
                case(
                    (
                        Lead.status.not_in(CLOSED_STATUSES)
                        & Lead.first_touched_at.is_(None)
                        & (Lead.received_at <= now - settings.stale_after),
                        1,
                    ),
                    else_=0,
                )
            ),
        )
        .where(owners, Lead.status.not_in(CLOSED_STATUSES))
        .group_by(Lead.owner_id)
    )
    for owner, open_hot, stale in counts:
        row = rows[str(owner)]
        row.open_hot, row.stale = int(str(open_hot or 0)), int(str(stale or 0))
    candidates = session.execute(
        select(
            Lead.id,
            Lead.name,
            Lead.company,
            func.coalesce(Campaign.name, Lead.campaign_code),
            Lead.owner_id,
            Lead.ladder_cycle,
            func.coalesce(Lead.clock_started_at, Lead.received_at),
        )
        .outerjoin(Campaign, Campaign.id == Lead.campaign_id)
        .where(
            owners,
            *untouched,
            Lead.hot.is_(True),
            # working time never exceeds wall time
            func.coalesce(Lead.clock_started_at, Lead.received_at) <= now - settings.hot_lead_sla,
        )
    )
    hours, sla = settings.working_hours, settings.hot_lead_sla
    late: list[tuple[datetime, OverdueLead]] = []
    for lead_id, name, company, campaign, owner_id, cycle, started in candidates:
        owner = str(owner_id)
        # When the SLA ran out: `sla` of the owner's working time after the clock started
        # (found from the start, so cheap however old the lead). Overdue once that is past.
        due = hours.add(started, sla, zone_of(owner))
        if due >= now:
            continue
        rows[owner].overdue += 1
        block_id = f"{HomeIds.OVERDUE_ACTIONS}:{lead_id}"
        lead = OverdueLead(lead_id, name, company, campaign, owner, cycle or 0, now - due, block_id)
        late.append((due, lead))
    late.sort(key=lambda pair: (pair[0], pair[1].id))  # the SLA ran out longest ago first
    shown_leads = [lead for _due, lead in late[: max(shown, 0)]]
    for due, lead in late[: max(shown, 0)]:  # how long overdue, in the owner's working time
        lead.late = hours.worked_between(due, now, zone_of(lead.rep))
    links = alert_links(session, [(lead.id, lead.rep) for lead in shown_leads])
    for lead in shown_leads:
        lead.alert_url = links.get(lead.id)
    ordered = sorted(rows.values(), key=lambda r: (-r.overdue, -r.stale, -r.open_hot, r.name))
    return TeamBoard(ordered, shown_leads, len(late))
