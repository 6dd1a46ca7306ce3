"""`/leads`: the caller's open hot leads, oldest first, with the alert's buttons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from bot.durations import format_duration
from bot.ids import FeedbackIds, LeadIds
from bot.leads.render import ACTIONS_BY_STATUS, SNOOZE_OPTIONS
from bot.messages import Message, render_message
from bot.models import Campaign, Lead
from bot.states import OPEN_STATUSES

# A header, two blocks per lead and an "and N more" line stay within Slack's 50 blocks.
SHOWN = 20


@dataclass
class ListedLead:
    lead: Lead
    campaign: str | None
    age: str
    actions: tuple[str, ...]
    block_id: str


def _open_leads(owner: str) -> tuple[ColumnElement[bool], ...]:
    return (Lead.owner_id == owner, Lead.hot.is_(True), Lead.status.in_(OPEN_STATUSES))


def leads_list(session: Session, owner: str, *, now: datetime) -> Message:
    where = _open_leads(owner)
    total = session.scalar(select(func.count()).select_from(Lead).where(*where)) or 0
    rows = session.execute(
        select(Lead, Campaign.name)
        .outerjoin(Campaign, Lead.campaign_id == Campaign.id)
        .where(*where)
        .order_by(Lead.received_at, Lead.id)
        .limit(SHOWN)
    ).all()
    items = [
        ListedLead(
            lead=lead,
            campaign=campaign,
            age=format_duration(now - lead.received_at),
            actions=ACTIONS_BY_STATUS[lead.status],
            block_id=f"{LeadIds.LIST_ACTIONS}:{lead.id}",
        )
        for lead, campaign in rows
    ]
    return render_message("leads_list", **list_context(items, total))


def list_context(items: list[ListedLead], total: int) -> dict[str, Any]:
    """What `templates/leads_list.json.j2` is rendered with."""
    return {
        "items": items,
        "total": total,
        "more": total - len(items),
        "ids": LeadIds,
        "feedback_button": FeedbackIds.LEAD_FEEDBACK_BUTTON,
        "snooze_options": SNOOZE_OPTIONS,
    }
