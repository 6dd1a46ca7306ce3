"""The ladder's messages: the reminder in the alert's thread, the hourly summary a reminder
folds into past the noise budget, the escalation to the rep's manager (or SALES_CHANNEL), and
the manager's nudge, and the note on an escalation that a lead could not move on (nobody
else eligible). `bot.leads.ladder` decides *when*; this module says *what* and records it.

Each ping is a `Ping` row (unique per lead, step and cycle) written in the same transaction
as its outbox message, so it is sent at most once even if two sweeps race.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import outbox
from bot.config import Settings
from bot.durations import format_duration
from bot.errors import Refusal
from bot.ids import LadderIds, LeadIds
from bot.keys import (
    alert_key,
    escalation_key,
    escalation_nudged_key,
    nudge_key,
    reminder_key,
    stuck_key,
    summary_key,
    summary_update_key,
)
from bot.leads import folding
from bot.messages import Message, render_message
from bot.models import Campaign, Lead, OutboxMessage, Ping, RoutingDecision, SlackMessage
from bot.people import manager_of, person
from bot.permalinks import message_url
from bot.permissions import may_nudge_about_lead
from bot.routing.pools import pool_label
from bot.states import CLOSED_STATUSES, LeadStatus

STEP_REMINDER, STEP_ESCALATION = 0, 1
HOUR = timedelta(hours=1)
STATUS_WORDS: dict[str, str] = {
    LeadStatus.CONTACTED: "has contacted them",
    LeadStatus.NOT_FIT: "has marked them not a fit",
}


def _record(
    session: Session, lead: Lead, step: int, recipient: str, now: datetime, *, folded: bool = False
) -> bool:
    """Record the ping; False if this lead's step was already pinged in this cycle."""
    try:
        with session.begin_nested():
            session.add(
                Ping(
                    lead_id=lead.id,
                    step=step,
                    cycle=lead.ladder_cycle,
                    recipient_id=recipient,
                    sent_at=now,
                    folded=folded,
                )
            )
    except IntegrityError:
        return False
    return True


def _posted_or_queued(session: Session, key: str) -> bool:
    return session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None


@dataclass
class LeadLine:
    """A lead as the ladder's messages show it."""

    lead: Lead
    campaign: Campaign | None
    waited: str
    # Why the lead could not move on from its owner in this run of the clock (REASSIGN_AFTER:
    # nobody else eligible), if it tried.
    stuck: str | None = None


def held_since(lead: Lead) -> datetime | None:
    """Since when the current owner has had the lead: a reassignment restarts the count."""
    return lead.assigned_at or lead.received_at


def _line(session: Session, lead: Lead, now: datetime) -> LeadLine:
    campaign = session.get(Campaign, lead.campaign_id) if lead.campaign_id else None
    waited = format_duration(now - (held_since(lead) or now))
    return LeadLine(lead, campaign, waited, stuck=stuck_reason(session, lead))


def stuck_reason(session: Session, lead: Lead) -> str | None:
    """Why the lead stayed with its owner when it was due to move on in this run of the clock
    ("nobody else in the team is working and free now"); None if it never tried."""
    if lead.owner_id is None or lead.clock_started_at is None:
        return None
    decision = session.scalar(
        select(RoutingDecision)
        .where(
            RoutingDecision.lead_id == lead.id,
            RoutingDecision.reassigned_from == lead.owner_id,
            RoutingDecision.decided_at >= lead.clock_started_at,
        )
        .order_by(RoutingDecision.id.desc())
        .limit(1)
    )
    if decision is None or decision.chosen is not None:
        return None
    pool = pool_label(session, decision.pool)
    others = [c for c in decision.considered if c.get("slack_id") != lead.owner_id]
    if not others:
        return f"nobody else in {pool} takes leads"
    return f"nobody else in {pool} is working and free now"


# -- the reminder and the summary ---------------------------------------------------------


def reminders_last_hour(session: Session, rep: str, now: datetime) -> int:
    """Reminders sent on their own to `rep` in the rolling hour before `now`."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Ping)
            .where(
                Ping.recipient_id == rep,
                Ping.step == STEP_REMINDER,
                Ping.folded.is_(False),
                Ping.sent_at > now - HOUR,
            )
        )
        or 0
    )


def remind(
    session: Session,
    lead: Lead,
    *,
    settings: Settings,
    now: datetime,
    sent: dict[str, int] | None = None,
    then: str = "escalate",
) -> str:
    """Remind the owner: "sent", "folded" (into the hourly summary) or "repeat".

    `sent` caches each rep's reminders in the last hour across one sweep's batch; `then` is
    what happens if nobody acts: "escalate", "move" (on to another rep) or "escalate_move"."""
    rep = lead.owner_id
    assert rep is not None
    sent = {} if sent is None else sent
    if rep not in sent:
        sent[rep] = reminders_last_hour(session, rep, now)
    folded = sent[rep] >= settings.max_pings_per_hour
    if not _record(session, lead, STEP_REMINDER, rep, now, folded=folded):
        return "repeat"
    sent[rep] += not folded
    if folded:
        _update_summary(session, rep, now, budget=settings.max_pings_per_hour)
        return "folded"
    threaded = _posted_or_queued(session, alert_key(lead.id, lead.owner_id))
    message = render_message(
        "lead_reminder", item=_line(session, lead, now), threaded=threaded, then=then
    )
    where: dict[str, Any] = (
        {"thread": alert_key(lead.id, lead.owner_id)} if threaded else {"channel": rep}
    )
    key = reminder_key(lead.id, lead.ladder_cycle)
    outbox.enqueue(session, "chat.postMessage", key=key, **where, **message.as_args())
    return "sent"


def _update_summary(session: Session, rep: str, now: datetime, *, budget: int) -> None:
    """Post (or update in place) the rep's one summary of folded reminders for this hour."""
    window = now.replace(minute=0, second=0, microsecond=0)
    folded = list(
        session.scalars(
            select(Lead)
            .join(Ping, Ping.lead_id == Lead.id)
            .where(
                Ping.recipient_id == rep,
                Ping.folded.is_(True),
                Ping.sent_at >= window,
                Ping.sent_at < window + HOUR,
            )
            .order_by(Ping.sent_at, Ping.id)
        )
    )
    message = render_message(
        "lead_ping_summary",
        items=[_line(session, lead, now) for lead in folded],
        budget=budget,
    )
    key = summary_key(rep, window)
    if outbox.enqueue(session, "chat.postMessage", key=key, channel=rep, **message.as_args()):
        return
    outbox.enqueue(
        session,
        "chat.update",
        key=summary_update_key(key, len(folded)),
        target=key,
        **message.as_args(),
    )


# -- the escalation -----------------------------------------------------------------------


def escalation_recipient(session: Session, lead: Lead, *, settings: Settings) -> str | None:
    """The rep's manager, or SALES_CHANNEL for a rep with no manager (or not on the roster)."""
    rep = person(session, lead.owner_id) if lead.owner_id else None
    manager = manager_of(session, rep) if rep is not None else None
    return manager.slack_id if manager is not None else settings.sales_channel


def escalation_context(
    item: LeadLine,
    cycle: int,
    *,
    in_channel: bool,
    nudged_by: str | None = None,
    nudged_at: datetime | None = None,
) -> dict[str, Any]:
    """What `templates/lead_escalation.json.j2` needs."""
    lead = item.lead
    return {
        "item": item,
        "owner": lead.owner_id,
        "in_channel": in_channel,
        "nudged_by": nudged_by,
        "nudged_at": nudged_at,
        "reassign_id": LeadIds.REASSIGN,
        "nudge_id": LadderIds.NUDGE,
        "actions_block": f"{LadderIds.ESCALATION_ACTIONS}:{lead.id}",
        "lead_value": str(lead.id),
        "nudge_value": f"{lead.id}:{cycle}",
        "outcome": None,  # what became of the lead, once settled (bot.leads.escalations)
        "escalated_at": None,
    }


def _escalation_message(
    session: Session,
    lead: Lead,
    cycle: int,
    now: datetime,
    *,
    in_channel: bool,
    nudged_by: str | None = None,
) -> dict[str, Any]:
    context = escalation_context(
        _line(session, lead, now),
        cycle,
        in_channel=in_channel,
        nudged_by=nudged_by,
        nudged_at=now if nudged_by else None,
    )
    return render_message("lead_escalation", **context).as_args()


def escalate(
    session: Session, lead: Lead, recipient: str, *, settings: Settings, now: datetime
) -> bool:
    """Tell the manager (or the sales channel); False if already told in this cycle."""
    if not _record(session, lead, STEP_ESCALATION, recipient, now):
        return False
    fold = folding.admit(
        session,
        folding.ESCALATION,
        recipient,
        lead,
        burst=settings.alert_burst,
        now=now,
        cycle=lead.ladder_cycle,
    )
    if fold is not None:  # past ALERT_BURST within a minute: listed in one message
        folding.show(session, fold)
        return True
    in_channel = not recipient.startswith(("U", "W"))
    args = _escalation_message(session, lead, lead.ladder_cycle, now, in_channel=in_channel)
    key = escalation_key(lead.id, lead.ladder_cycle)
    outbox.enqueue(session, "chat.postMessage", key=key, channel=recipient, **args)
    return True


def escalated(session: Session, lead: Lead) -> bool:
    """Whether this run of the lead's clock has been escalated."""
    return (
        session.scalar(
            select(Ping.id).where(
                Ping.lead_id == lead.id,
                Ping.step == STEP_ESCALATION,
                Ping.cycle == lead.ladder_cycle,
            )
        )
        is not None
    )


def stuck(session: Session, lead: Lead, *, now: datetime) -> None:
    """The escalated lead was due to move on but nobody else is eligible: say so in the
    escalation's thread (or to its recipient, if it was folded into a burst), once."""
    recipient = session.scalar(
        select(Ping.recipient_id).where(
            Ping.lead_id == lead.id, Ping.step == STEP_ESCALATION, Ping.cycle == lead.ladder_cycle
        )
    )
    if recipient is None:
        return
    message = render_message("lead_escalation_stuck", item=_line(session, lead, now))
    target = escalation_key(lead.id, lead.ladder_cycle)
    where: dict[str, Any] = (
        {"thread": target} if _posted_or_queued(session, target) else {"channel": recipient}
    )
    key = stuck_key(lead.id, lead.ladder_cycle)
    outbox.enqueue(session, "chat.postMessage", key=key, **where, **message.as_args())


# -- the nudge ----------------------------------------------------------------------------


def nudge(session: Session, *, value: str, actor: str, now: datetime) -> Message:
    """The Nudge button (value "<lead id>:<cycle>"): DM the rep, show it on the escalation."""
    try:
        lead_id, cycle = (int(part) for part in value.split(":"))
    except ValueError:
        raise Refusal("That button is out of date; nothing was sent.") from None
    lead = session.get(Lead, lead_id)
    if lead is None or lead.owner_id is None:
        raise Refusal("That lead is no longer waiting for anyone; nothing was sent.")
    if not may_nudge_about_lead(session, actor, lead):
        raise Refusal("Only the rep's manager or an admin can nudge about this lead.")
    if lead.status in CLOSED_STATUSES:
        who = person(session, lead.owner_id)
        name = who.name if who else "The rep"
        raise Refusal(f"No need: {name} {STATUS_WORDS[lead.status]} already.")
    if cycle != lead.ladder_cycle or lead.status != LeadStatus.NEW:
        # The lead moved on since this escalation (acted on, snoozed or reassigned): a Nudge
        # from it would reach whoever holds the lead now, about a wait that is over.
        raise Refusal(
            "That escalation is out of date: the lead has moved on since "
            "(the escalation now shows how). Nothing was sent."
        )
    posted = session.get(SlackMessage, alert_key(lead.id, lead.owner_id))
    message = render_message(
        "lead_escalation_nudge",
        item=_line(session, lead, now),
        actor=actor,
        alert_url=message_url(posted.channel, posted.ts) if posted is not None else None,
    )
    key = nudge_key(lead.id, cycle)
    if not outbox.enqueue(
        session, "chat.postMessage", key=key, channel=lead.owner_id, **message.as_args()
    ):
        raise Refusal("The rep has already been nudged about this lead.")
    folding.refresh(session, lead)  # a folded escalation loses its Nudge button
    target = escalation_key(lead.id, cycle)
    told = session.scalar(
        select(Ping.recipient_id).where(
            Ping.lead_id == lead.id, Ping.step == STEP_ESCALATION, Ping.cycle == cycle
        )
    )
    if told is not None and _posted_or_queued(session, target):
        in_channel = not told.startswith(("U", "W"))
        args = _escalation_message(
            session, lead, cycle, now, in_channel=in_channel, nudged_by=actor
        )
        outbox.enqueue(
            session, "chat.update", key=escalation_nudged_key(lead.id, cycle), target=target, **args
        )
    return render_message(
        "lead_escalation_nudged", item=_line(session, lead, now), owner=lead.owner_id
    )
