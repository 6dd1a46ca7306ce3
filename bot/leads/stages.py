"""A lead's stage (`bot.states.LeadStage`): moving it, keeping its history, and what a move
means for the lead's owner. A move to `working` or beyond is a touch: the lead is closed as
contacted at that moment (the ladder stops; `bot.leads.listener` updates the alert), so a rep
who works the lead in the CRM never has to click in Slack too.

Stages come from a CRM or the native `/leads` (`StageSource.CRM`, `by` the source's name) and
from people in Slack (`StageSource.SLACK`, `by` their user ID)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Lead, LeadStageChange
from bot.states import OPEN_STATUSES, LeadStage, LeadStatus, StageSource


def move(
    session: Session,
    lead: Lead,
    stage: LeadStage,
    *,
    at: datetime,
    by_kind: StageSource,
    by: str | None,
) -> bool:
    """Move `lead` to `stage` (recorded in its history) and, if that touches an open lead,
    close it as contacted by `by_kind`/`by` at `at`. False if it already was at `stage`.
    The caller updates the alert and stops the ladder (see `touched_now`)."""
    previous = LeadStage(lead.stage or LeadStage.NEW)
    if stage is previous:
        return False
    if lead.id is None:
        session.flush()  # a lead stored in this transaction gets its id
    session.add(
        LeadStageChange(
            lead_id=lead.id, stage=stage, previous=previous, at=at, by_kind=by_kind, by=by
        )
    )
    lead.stage, lead.stage_at = stage, at
    if stage.touched:
        lead.first_touched_at = lead.first_touched_at or at
        if lead.status in OPEN_STATUSES:
            lead.status = LeadStatus.CONTACTED
            lead.status_by = by if by_kind is StageSource.SLACK else None
            lead.status_at = at
            lead.snoozed_until = None
    return True


def closed_by_stage(lead: Lead) -> bool:
    """Whether the lead was closed by a stage from a CRM (not by a person in Slack)."""
    return lead.status == LeadStatus.CONTACTED and lead.status_by is None


def last_change(session: Session, lead: Lead) -> LeadStageChange | None:
    return session.scalar(
        select(LeadStageChange)
        .where(LeadStageChange.lead_id == lead.id)
        .order_by(LeadStageChange.at.desc(), LeadStageChange.id.desc())
        .limit(1)
    )


def history(session: Session, lead: Lead) -> list[LeadStageChange]:
    """Every stage the lead has been moved to, oldest first."""
    return list(
        session.scalars(
            select(LeadStageChange)
            .where(LeadStageChange.lead_id == lead.id)
            .order_by(LeadStageChange.at, LeadStageChange.id)
        )
    )


__all__ = ["closed_by_stage", "history", "last_change", "move"]
