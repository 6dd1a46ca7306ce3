"""The rep's board: open leads as a queue, most urgent first, and the snoozed ones.

Urgency is the SLA time left in the rep's working time: a hot lead nobody has touched is due
`HOT_LEAD_SLA` of working time after its clock started (the ladder's clock); the most overdue
come first, then the least time left. Leads someone is already on (claimed), and warm leads,
follow, oldest first. Each row carries the alert's own buttons (the same action ids, so the
same handlers) and a link to the alert.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.durations import format_duration
from bot.home.common import alert_links
from bot.ids import HomeIds
from bot.leads.render import ACTIONS_BY_STATUS
from bot.models import Campaign, Lead
from bot.states import LeadStatus

# At most this many open leads are ranked (a rep with more sees the first of them and a count).
RANKED = 500


@dataclass
class QueueItem:
    lead: Lead
    campaign: str | None
    urgency: str  # "overdue 12m", "9m left", "you are on it", "waiting 2h"
    overdue: bool
    actions: tuple[str, ...]
    block_id: str
    alert_url: str | None = None


@dataclass
class SnoozedItem:
    lead: Lead
    campaign: str | None
    alert_url: str | None = None


@dataclass
class Queue:
    items: list[QueueItem]
    total: int
    snoozed: list[SnoozedItem]
    snoozed_total: int

    @property
    def more(self) -> int:
        return self.total - len(self.items)

    @property
    def more_snoozed(self) -> int:
        return self.snoozed_total - len(self.snoozed)


def sla_left(lead: Lead, *, settings: Settings, zone: ZoneInfo, now: datetime) -> timedelta | None:
    """Working time left before the lead's SLA runs out (negative: overdue by that much);
    None when no SLA runs (not hot, already touched, or no clock)."""
    if not lead.hot or lead.first_touched_at is not None or lead.status != LeadStatus.NEW:
        return None
    started = lead.clock_started_at or lead.received_at
    hours = settings.working_hours
    due = hours.add(started, settings.hot_lead_sla, zone)
    if due > now:
        return hours.worked_between(now, due, zone)
    return -hours.worked_between(due, now, zone)


def _rank(item: tuple[Lead, timedelta | None]) -> tuple[int, float, datetime, int]:
    lead, left = item
    if left is not None:
        return (0, left.total_seconds(), lead.received_at, lead.id)
    return (1 if lead.hot else 2, 0.0, lead.received_at, lead.id)


def _urgency(lead: Lead, left: timedelta | None, now: datetime) -> str:
    if left is not None:
        if left <= timedelta(0):
            return f"overdue {format_duration(-left)}"
        return f"{format_duration(left)} left"
    if lead.status == LeadStatus.CLAIMED:
        return "you are on it"
    return f"waiting {format_duration(now - lead.received_at)}"


def rep_queue(
    session: Session,
    slack_id: str,
    *,
    settings: Settings,
    zone: ZoneInfo,
    now: datetime,
    shown: int,
    snoozed_shown: int,
) -> Queue:
    active = (Lead.owner_id == slack_id, Lead.status.in_((LeadStatus.NEW, LeadStatus.CLAIMED)))
    total = session.scalar(select(func.count()).select_from(Lead).where(*active)) or 0
    rows = session.execute(
        select(Lead, Campaign.name)
        .outerjoin(Campaign, Lead.campaign_id == Campaign.id)
        .where(*active)
        .order_by(Lead.hot.desc(), Lead.received_at, Lead.id)
        .limit(RANKED)
    ).all()
    campaigns = {lead.id: name or lead.campaign_code for lead, name in rows}
    ranked = sorted(
        ((lead, sla_left(lead, settings=settings, zone=zone, now=now)) for lead, _ in rows),
        key=_rank,
    )[: max(shown, 0)]
    snoozing = (Lead.owner_id == slack_id, Lead.status == LeadStatus.SNOOZED)
    snoozed_total = session.scalar(select(func.count()).select_from(Lead).where(*snoozing)) or 0
    snoozed_rows = session.execute(
        select(Lead, Campaign.name)
        .outerjoin(Campaign, Lead.campaign_id == Campaign.id)
        .where(*snoozing)
        .order_by(Lead.snoozed_until, Lead.id)
        .limit(max(snoozed_shown, 0))
    ).all()
    links = alert_links(
        session,
        [(lead.id, slack_id) for lead, _ in ranked]
        + [(lead.id, slack_id) for lead, _ in snoozed_rows],
    )
    items = [
        QueueItem(
            lead=lead,
            campaign=campaigns[lead.id],
            urgency=_urgency(lead, left, now),
            overdue=left is not None and left <= timedelta(0),
            actions=ACTIONS_BY_STATUS[lead.status],
            block_id=f"{HomeIds.LEAD_ACTIONS}:{lead.id}",
            alert_url=links.get(lead.id),
        )
        for lead, left in ranked
    ]
    snoozed = [
        SnoozedItem(lead, name or lead.campaign_code, links.get(lead.id))
        for lead, name in snoozed_rows
    ]
    return Queue(items, total, snoozed, snoozed_total)
