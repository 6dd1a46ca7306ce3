"""The outcome menu on a contacted lead's alert ("Meeting booked", "Won", "Lost"): for teams
without a CRM feed, the way a sale's progress reaches Handoff from Slack. Only the lead's
owner, their manager or an admin may use it (`bot.permissions.may_act_on_lead`); the move is
recorded in the lead's stage history (`StageSource.SLACK`, by the person) and the alert
updates in place through the outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.errors import Refusal
from bot.leads import stages
from bot.leads.actions import lead_to_act_on
from bot.leads.notify import refresh_alert
from bot.models import Lead
from bot.states import SLACK_OUTCOMES as OUTCOMES
from bot.states import LeadStage, LeadStatus, StageSource

STALE_MENU = "That menu is out of date; the alert shows what still applies."


def parse_choice(value: str) -> LeadStage:
    """The stage in an option's value ("<lead id>:<stage>"); a Refusal for anything else."""
    try:
        stage = LeadStage(value.partition(":")[2])
    except ValueError:
        raise Refusal(STALE_MENU) from None
    if stage not in OUTCOMES:
        raise Refusal(STALE_MENU)
    return stage


def record_outcome(
    session: Session, lead_id: int, actor: str, *, stage: LeadStage, now: datetime
) -> Lead:
    """Move a contacted lead to `stage` on `actor`'s word; the alert shows it."""
    lead = lead_to_act_on(session, lead_id, actor)
    if lead.status != LeadStatus.CONTACTED:
        raise Refusal("Mark the lead contacted first; then its outcome can be recorded.")
    if not stages.move(session, lead, stage, at=now, by_kind=StageSource.SLACK, by=actor):
        raise Refusal(f"It is already marked {stage.label}.")
    refresh_alert(session, lead)
    return lead


__all__ = ["OUTCOMES", "parse_choice", "record_outcome"]
