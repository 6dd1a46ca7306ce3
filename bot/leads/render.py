"""What a lead alert, the claim message and the /leads list say, for a lead's current state.

Keys name the posted messages in the outbox, so later clicks can update them in place:
the owner's DM alert is `lead:{id}:alert:{owner}`, the sales-channel claim message
`lead:{id}:claim`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.durations import format_duration
from bot.ids import FeedbackIds, LeadIds
from bot.leads import stages
from bot.leads.escalations import untouched_text
from bot.lookups import campaign_of
from bot.messages import Message, render_message
from bot.models import Campaign, Feedback, Lead
from bot.routing.pools import owner_pool
from bot.states import SLACK_OUTCOMES, FeedbackKind, LeadStage, LeadStatus

SNOOZE_OPTIONS = (
    ("30m", "30 minutes"),
    ("1h", "1 hour"),
    ("4h", "4 hours"),
    ("tomorrow", "Tomorrow morning"),
)
NOT_FIT_REASONS = (
    ("wrong_persona", "Wrong persona"),
    ("no_budget", "No budget"),
    ("competitor_customer", "Competitor customer"),
    ("spam", "Spam or fake"),
    ("student_job_seeker", "Student or job seeker"),
    ("other", "Other"),
)
# The buttons that still make sense in each state; anything else is removed from the alert.
ACTIONS_BY_STATUS: dict[str, tuple[str, ...]] = {
    LeadStatus.NEW: ("ack", "contacted", "snooze", "not_fit", "reassign", "feedback"),
    LeadStatus.CLAIMED: ("contacted", "snooze", "not_fit", "reassign", "feedback"),
    LeadStatus.SNOOZED: ("ack", "contacted", "snooze", "wake", "not_fit", "reassign", "feedback"),
    LeadStatus.CONTACTED: ("not_fit", "feedback", "outcome"),
    LeadStatus.NOT_FIT: ("feedback",),
    "reassigned": (),
}


@dataclass(frozen=True)
class AlertState:
    """What an alert shows at the bottom: the state, who and when."""

    status: str
    by: str | None = None
    at: datetime | None = None
    until: datetime | None = None
    new_owner: str | None = None
    reason: str | None = None
    # Closed by a stage from a CRM: which source (e.g. "HubSpot"), and how long after arrival.
    via: str | None = None
    after: str | None = None
    # The stage's label once the sale has gone past first contact ("Meeting booked", "Won").
    stage: str | None = None
    # Moved on by Handoff after this long untouched (REASSIGN_AFTER), e.g. "1h 30m".
    untouched: str | None = None


def reason_label(code: str) -> str | None:
    return dict(NOT_FIT_REASONS).get(code)


def current_state(session: Session, lead: Lead) -> AlertState:
    reason = None
    if lead.status == LeadStatus.NOT_FIT:
        tags = session.scalar(
            select(Feedback.tags)
            .where(Feedback.lead_id == lead.id, Feedback.kind == FeedbackKind.LEAD_QUALITY)
            .order_by(Feedback.id.desc())
            .limit(1)
        )
        reason = reason_label(tags[0]) if tags else None
    via = after = None
    if stages.closed_by_stage(lead):
        change = stages.last_change(session, lead)
        via = (change.by if change and change.by else None) or "the CRM"
        if lead.status_at is not None:
            after = format_duration(lead.status_at - lead.received_at)
    stage = LeadStage(lead.stage or LeadStage.NEW)
    return AlertState(
        lead.status,
        lead.status_by,
        lead.status_at,
        until=lead.snoozed_until,
        reason=reason,
        via=via,
        after=after,
        stage=stage.label if stage not in (LeadStage.NEW, LeadStage.WORKING) else None,
    )


def _common(lead: Lead, campaign: Campaign | None) -> dict[str, Any]:
    return {
        "lead": lead,
        "campaign": campaign,
        "unknown_code": lead.campaign_code if campaign is None else None,
        "ids": LeadIds,
        "feedback_button": FeedbackIds.LEAD_FEEDBACK_BUTTON,
        "snooze_options": SNOOZE_OPTIONS,
        "outcome_options": outcome_options(lead),
    }


def outcome_options(lead: Lead) -> list[tuple[str, str]]:
    """(value, label) of a contacted lead's outcome menu: every outcome Slack offers
    (`SLACK_OUTCOMES`) but the lead's current stage; the value is "<lead id>:<stage>"."""
    return [(f"{lead.id}:{stage}", stage.label) for stage in SLACK_OUTCOMES if stage != lead.stage]


def alert_context(
    lead: Lead, campaign: Campaign | None, state: AlertState, pool: str | None = None
) -> dict[str, Any]:
    """What `templates/lead_alert.json.j2` is rendered with; `pool`: the label of the pool
    round robin chose the owner in (`bot.routing.pools.pool_label`)."""
    return {
        "state": state,
        "untouched": untouched_text(lead),
        "pool": pool,
        "actions": ACTIONS_BY_STATUS.get(state.status, ()),
        "block_id": f"{LeadIds.ALERT_ACTIONS}:{lead.id}",
        **_common(lead, campaign),
    }


def claim_context(
    lead: Lead,
    campaign: Campaign | None,
    *,
    owner: str | None = None,
    by: str | None = None,
    at: datetime | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """What `templates/lead_claim.json.j2` is rendered with."""
    return {
        "reason": reason,
        "owner": owner,
        "by": by,
        "at": at,
        "block_id": f"{LeadIds.CLAIM_ACTIONS}:{lead.id}",
        **_common(lead, campaign),
    }


def alert_message(session: Session, lead: Lead, state: AlertState | None = None) -> Message:
    """The owner's DM alert, showing `state` (default: the lead's own) and the buttons left."""
    state = state or current_state(session, lead)
    pool = owner_pool(session, lead)
    return render_message(
        "lead_alert", **alert_context(lead, campaign_of(session, lead), state, pool)
    )


def claim_message(
    session: Session,
    lead: Lead,
    *,
    owner: str | None = None,
    by: str | None = None,
    at: datetime | None = None,
    reason: str | None = None,
) -> Message:
    """The sales-channel message for an unassigned lead; with `owner`, who took it and when."""
    context = claim_context(
        lead, campaign_of(session, lead), owner=owner, by=by, at=at, reason=reason
    )
    return render_message("lead_claim", **context)
