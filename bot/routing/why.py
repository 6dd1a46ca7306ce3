"""`/leads why LEAD`: how a lead's owner was chosen, for managers and admins."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.durations import format_duration
from bot.errors import Refusal
from bot.messages import Message, render_message
from bot.models import Lead, RoutingDecision
from bot.permissions import may_see_routing
from bot.routing.pools import owner_pool, pool_label

USAGE = "Usage: `/leads why LEAD`, where LEAD is the lead's id in your CRM (like `crm-1042`)."
SHOWN = 5  # the latest decisions about one lead
SKIPPED_SHOWN = 30  # reps listed per decision


def find_lead(session: Session, ref: str) -> Lead | None:
    lead = session.scalar(select(Lead).where(Lead.external_id == ref))
    if lead is None and ref.lstrip("#").isdigit():
        lead = session.get(Lead, int(ref.lstrip("#")))
    return lead


def why(session: Session, actor: str, ref: str) -> Message:
    if not may_see_routing(session, actor):
        raise Refusal("`/leads why` is for managers and admins.")
    ref = ref.strip()
    if not ref:
        raise Refusal(USAGE)
    lead = find_lead(session, ref)
    if lead is None:
        raise Refusal(f"There is no lead `{ref[:200]}` in Handoff. {USAGE}")
    decisions = list(
        session.scalars(
            select(RoutingDecision)
            .where(RoutingDecision.lead_id == lead.id)
            .order_by(RoutingDecision.id.desc())
            .limit(SHOWN)
        )
    )
    shown: list[dict[str, Any]] = [
        {
            "at": d.decided_at,
            "pool": pool_label(session, d.pool),
            "chosen": d.chosen,
            "skipped": [c for c in d.considered if c.get("skipped")][:SKIPPED_SHOWN],
            "eligible": sum(1 for c in d.considered if not c.get("skipped")),
            "moved_from": d.reassigned_from,
        }
        for d in reversed(decisions)
    ]
    untouched = (
        format_duration(timedelta(seconds=lead.untouched_seconds))
        if lead.untouched_seconds is not None
        else None
    )
    pool = owner_pool(session, lead)
    return render_message("leads_why", lead=lead, decisions=shown, untouched=untouched, pool=pool)
