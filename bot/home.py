"""The App Home tab: who you are to Handoff, your open hot leads, active campaigns, commands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import outbox
from bot.durations import format_duration
from bot.ids import RoutingIds
from bot.messages import render_view
from bot.models import Campaign, Lead, Person, utcnow
from bot.permissions import takes_leads
from bot.routing import is_away
from bot.states import OPEN_STATUSES, CampaignStatus

SHOWN = 10


@dataclass
class HomeLead:
    name: str
    company: str | None
    campaign: str | None
    age: str
    status: str


def home_view(session: Session, slack_id: str, *, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    person = session.scalar(select(Person).where(Person.slack_id == slack_id))
    leads = list(
        session.execute(
            select(Lead, Campaign.name)
            .outerjoin(Campaign, Lead.campaign_id == Campaign.id)
            .where(Lead.owner_id == slack_id, Lead.hot.is_(True), Lead.status.in_(OPEN_STATUSES))
            .order_by(Lead.received_at)
            .limit(SHOWN + 1)
        )
    )
    campaigns = list(
        session.scalars(
            select(Campaign)
            .where(Campaign.status == CampaignStatus.ACTIVE)
            .order_by(Campaign.created_at.desc())
        ).all()[: SHOWN + 1]
    )
    return render_view(
        "home",
        person=person,
        takes_leads=takes_leads(person),
        away=person is not None and is_away(person, now),
        away_until=person.away_until if person is not None else None,
        away_toggle=RoutingIds.AWAY_TOGGLE,
        leads=[
            HomeLead(
                lead.name, lead.company, name, format_duration(now - lead.received_at), lead.status
            )
            for lead, name in leads[:SHOWN]
        ],
        more_leads=len(leads) > SHOWN,
        campaigns=campaigns[:SHOWN],
        more_campaigns=len(campaigns) > SHOWN,
    )


def publish_home(session: Session, slack_id: str) -> None:
    """Queue the user's Home tab (views.publish goes through the outbox like every message)."""
    outbox.enqueue(session, "views.publish", user_id=slack_id, view=home_view(session, slack_id))
