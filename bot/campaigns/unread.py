"""Who has not read a campaign brief yet: the announcement's "Who hasn't read it?" button.

Only the marketer who posted the brief and admins may see the list (it names people), and it
is shown to them alone (an ephemeral message)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.campaigns.service import SALES_TEAM
from bot.errors import Refusal
from bot.messages import Message, render_message
from bot.models import Campaign, CampaignRead, Person
from bot.people import has_role

SHOWN = 150  # mentions in one section stay well inside its 3,000 characters


def unread_list(session: Session, *, campaign_id: int, actor: str) -> Message:
    """The sales team members (reps and managers) who have not pressed "Got it" yet."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise Refusal("That campaign no longer exists.")
    if actor != campaign.created_by and not has_role(session, actor, "admin"):
        raise Refusal(
            "Only the marketer who posted this brief, or an admin, can see who has not read it."
        )
    read = select(CampaignRead.slack_id).where(CampaignRead.campaign_id == campaign_id)
    unread = list(
        session.scalars(
            select(Person.slack_id)
            .where(Person.role.in_(SALES_TEAM), Person.slack_id.not_in(read))
            .order_by(Person.name, Person.slack_id)
        )
    )
    return render_message(
        "campaign_unread",
        campaign=campaign,
        people=unread[:SHOWN],
        more=max(0, len(unread) - SHOWN),
        total=len(unread),
    )
