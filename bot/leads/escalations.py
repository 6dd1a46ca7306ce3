"""An escalation tells the truth after it is sent: when the rep acts on the lead, or the lead
changes hands, the manager's escalation (or the sales channel's) is updated in place to say so,
and its buttons go (they would act on a wait that is over).

`settle` is called in the same transaction as the change, before the lead's clock restarts
(a reassignment starts a new cycle), so it finds the escalation of the run that just ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import outbox
from bot.durations import format_duration
from bot.keys import escalation_key
from bot.leads.pings import STEP_ESCALATION, LeadLine, escalation_context, held_since
from bot.messages import render_message
from bot.models import Campaign, Lead, Ping
from bot.states import LeadStatus

# What each outcome is called in `templates/lead_escalation.json.j2`.
REASSIGNED = "reassigned"
UNASSIGNED = "unassigned"
MOVED_ON = "moved_on"  # Handoff reassigned it after REASSIGN_AFTER untouched


@dataclass(frozen=True)
class Outcome:
    """What became of an escalated lead: `kind` is a LeadStatus or REASSIGNED/UNASSIGNED/
    MOVED_ON (then `untouched` says after how long)."""

    kind: str
    by: str | None
    at: datetime
    after: str  # how long after the escalation, as text
    new_owner: str | None = None
    until: datetime | None = None
    untouched: str | None = None


def untouched_text(lead: Lead) -> str | None:
    """How long the last owner left the lead untouched before Handoff moved it on ("1h 30m")."""
    if lead.untouched_seconds is None:
        return None
    return format_duration(timedelta(seconds=lead.untouched_seconds))


def settle(
    session: Session,
    lead: Lead,
    kind: str,
    *,
    by: str | None,
    now: datetime,
    owner: str | None = None,
    new_owner: str | None = None,
) -> bool:
    """Update this run's escalation of `lead` (if one was sent) to show `kind` (the status
    just set, or REASSIGNED/UNASSIGNED/MOVED_ON, with `new_owner`); `owner` is the escalated owner
    (default: the lead's). False if there was no escalation to update."""
    cycle = lead.ladder_cycle
    escalated_at = session.scalar(
        select(Ping.sent_at).where(
            Ping.lead_id == lead.id, Ping.step == STEP_ESCALATION, Ping.cycle == cycle
        )
    )
    if escalated_at is None:
        return False
    recipient = session.scalar(
        select(Ping.recipient_id).where(
            Ping.lead_id == lead.id, Ping.step == STEP_ESCALATION, Ping.cycle == cycle
        )
    )
    outcome = Outcome(
        kind if kind != REASSIGNED or new_owner else UNASSIGNED,
        by,
        now,
        format_duration(now - escalated_at),
        new_owner=new_owner,
        until=lead.snoozed_until if kind == LeadStatus.SNOOZED else None,
        untouched=untouched_text(lead) if kind == MOVED_ON else None,
    )
    campaign = session.get(Campaign, lead.campaign_id) if lead.campaign_id else None
    waited = format_duration(escalated_at - (held_since(lead) or escalated_at))
    context = escalation_context(
        LeadLine(lead, campaign, waited),
        cycle,
        in_channel=not (recipient or "").startswith(("U", "W")),
    )
    context |= {"owner": owner or lead.owner_id, "outcome": outcome, "escalated_at": escalated_at}
    message = render_message("lead_escalation", **context)
    outbox.enqueue(
        session,
        "chat.update",
        target=escalation_key(lead.id, cycle),
        **message.as_args(),
    )
    return True
