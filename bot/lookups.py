"""Small shared queries that several rooms need: a campaign by its code, a lead's campaign.
A leaf module (models and validation only), so any room may import it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Campaign, Lead
from bot.validation import normalise_code


def campaign_by_code(session: Session, code: str | None) -> Campaign | None:
    """The campaign with this code (compared as `normalise_code` stores it), if any."""
    if not code:
        return None
    return session.scalar(select(Campaign).where(Campaign.code == normalise_code(code)))


def campaign_of(session: Session, lead: Lead) -> Campaign | None:
    """The lead's campaign: linked, or by its code (the brief may have been created after the
    lead arrived)."""
    if lead.campaign_id is not None:
        return session.get(Campaign, lead.campaign_id)
    return campaign_by_code(session, lead.campaign_code)
