"""What each button on an alert does. Only the owner, their manager or an admin may act;
every change updates the alert in place through the outbox, in the same transaction."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.durations import parse_duration
from bot.errors import Refusal
from bot.feedback.service import record_lead_quality
from bot.leads import escalations, ladder, stages
from bot.leads.notify import alert_owner, close_claim, hand_over, refresh_alert
from bot.leads.render import SNOOZE_OPTIONS, reason_label
from bot.lookups import campaign_of
from bot.messages import escape, mention
from bot.models import Feedback, Lead, Person, SlackUser
from bot.people import SlackDirectory, person
from bot.permissions import may_act_on_lead, may_be_assigned, may_claim, takes_leads_clause
from bot.states import (
    OPEN_STATUSES,
    AssignedHow,
    FeedbackKind,
    LeadStage,
    LeadStatus,
    StageSource,
)
from bot.workhours import WorkingHours

REFUSAL = "Only the lead's owner, their manager or an admin can act on this lead."
GONE = "That lead is no longer in Handoff."


def lead_id(value: object) -> int:
    """The lead id at the start of a button's or option's value ("<id>" or "<id>:...")."""
    try:
        return int(str(value).split(":", 1)[0])
    except ValueError:
        raise Refusal("That button is out of date; `/leads` shows fresh ones.") from None


def lead_to_act_on(session: Session, lead_id: int, actor: str, *, lock: bool = True) -> Lead:
    """The lead, locked for this transaction, if `actor` may act on it; else a Refusal."""
    lead = session.get(
        Lead, lead_id, with_for_update=True if lock else None, populate_existing=True
    )
    if lead is None:
        raise Refusal(GONE)
    if not may_act_on_lead(session, actor, lead):
        raise Refusal(REFUSAL)
    return lead


def _require(session: Session, lead: Lead, allowed: tuple[str, ...]) -> None:
    if lead.status in allowed:
        return
    who = display_name(session, lead.status_by) if lead.status_by else "Someone"
    done: dict[str, str] = {
        LeadStatus.CLAIMED: f"{who} is already on it.",
        LeadStatus.CONTACTED: f"{who} already marked it contacted.",
        LeadStatus.NOT_FIT: f"{who} already marked it not a fit.",
        LeadStatus.SNOOZED: f"{who} already snoozed it.",
        LeadStatus.NEW: "Nobody has picked it up yet, and it is not snoozed.",
    }
    raise Refusal(done.get(lead.status, "That no longer applies to this lead."))


def _set_status(lead: Lead, status: str, actor: str, now: datetime) -> None:
    lead.status, lead.status_by, lead.status_at = status, actor, now
    lead.first_touched_at = lead.first_touched_at or now
    if status != LeadStatus.SNOOZED:
        lead.snoozed_until = None


def acknowledge(session: Session, lead_id: int, actor: str, *, now: datetime) -> Lead:
    """ "I'm on it": the lead is claimed and the reminders stop."""
    lead = lead_to_act_on(session, lead_id, actor)
    _require(session, lead, (LeadStatus.NEW, LeadStatus.SNOOZED))
    _set_status(lead, LeadStatus.CLAIMED, actor, now)
    ladder.stop_clock(lead)
    escalations.settle(session, lead, lead.status, by=actor, now=now)
    refresh_alert(session, lead)
    return lead


def mark_contacted(session: Session, lead_id: int, actor: str, *, now: datetime) -> Lead:
    lead = lead_to_act_on(session, lead_id, actor)
    _require(session, lead, OPEN_STATUSES)
    _set_status(lead, LeadStatus.CONTACTED, actor, now)
    if lead.stage == LeadStage.NEW:
        stages.move(session, lead, LeadStage.WORKING, at=now, by_kind=StageSource.SLACK, by=actor)
    ladder.stop_clock(lead)
    escalations.settle(session, lead, lead.status, by=actor, now=now)
    refresh_alert(session, lead)
    return lead


def snooze_until(choice: str, *, now: datetime, zone: ZoneInfo, hours: WorkingHours) -> datetime:
    """When a snooze of `choice` (30m, 1h, 4h, tomorrow) ends; tomorrow means the start of
    the next working day in the owner's zone (09:00 when working hours are `always`)."""
    if choice not in dict(SNOOZE_OPTIONS):
        raise Refusal("That snooze length is not one Handoff offers; pick one from the menu.")
    if choice != "tomorrow":
        return now + parse_duration(choice)
    tomorrow = (now.astimezone(zone) + timedelta(days=1)).date()
    if hours.always:
        return datetime.combine(tomorrow, time(9), tzinfo=zone).astimezone(UTC)
    return hours.next_start(datetime.combine(tomorrow, time.min, tzinfo=zone), zone)


def snooze(
    session: Session,
    lead_id: int,
    actor: str,
    *,
    choice: str,
    settings: Settings,
    directory: SlackDirectory,
    now: datetime,
) -> Lead:
    """Park the lead until `choice` (30m, 1h, 4h, tomorrow) has passed; the ladder resumes then."""
    lead = lead_to_act_on(session, lead_id, actor)
    _require(session, lead, OPEN_STATUSES)
    zone = ladder.zone_in_session(session, directory, lead.owner_id or actor)
    until = snooze_until(choice, now=now, zone=zone, hours=settings.working_hours)
    _set_status(lead, LeadStatus.SNOOZED, actor, now)
    lead.snoozed_until = until
    ladder.snooze(lead, until)
    escalations.settle(session, lead, lead.status, by=actor, now=now)
    refresh_alert(session, lead)
    return lead


def wake(
    session: Session,
    lead_id: int,
    actor: str,
    *,
    settings: Settings,
    directory: SlackDirectory,
    now: datetime,
) -> Lead:
    """Cancel a snooze: the lead is open again now and the clock starts from zero, as when a
    snooze ends by itself."""
    lead = lead_to_act_on(session, lead_id, actor)
    _require(session, lead, (LeadStatus.SNOOZED,))
    lead.status, lead.status_by, lead.status_at = LeadStatus.NEW, actor, now
    lead.snoozed_until = None
    ladder.start_clock(session, lead, settings=settings, directory=directory, now=now)
    refresh_alert(session, lead)
    return lead


def mark_not_fit(
    session: Session,
    lead_id: int,
    actor: str,
    *,
    reason: str,
    note: str | None,
    settings: Settings,
    now: datetime,
) -> Feedback:
    """Not a fit: the lead is closed and the reason is stored as lead-quality feedback on its
    campaign (and handed to bot.feedback for marketing, when that exists)."""
    label = reason_label(reason)
    if label is None:
        raise Refusal("Pick one of the reasons in the list.")
    lead = lead_to_act_on(session, lead_id, actor)
    _require(session, lead, (*OPEN_STATUSES, LeadStatus.CONTACTED))
    _set_status(lead, LeadStatus.NOT_FIT, actor, now)
    ladder.stop_clock(lead)
    campaign = campaign_of(session, lead)
    feedback = Feedback(
        campaign_id=campaign.id if campaign else None,
        lead_id=lead.id,
        author_id=actor,
        kind=FeedbackKind.LEAD_QUALITY,
        text=f"{label}: {note}" if note else label,
        tags=[reason],
        created_at=now,
    )
    session.add(feedback)
    session.flush()
    record_lead_quality(session, settings=settings, feedback=feedback)
    escalations.settle(session, lead, lead.status, by=actor, now=now)
    refresh_alert(session, lead)
    return feedback


def assignable(session: Session, lead: Lead) -> list[Person]:
    """Roster members who take leads (reps, and managers with a weight) other than its owner,
    by name."""
    return list(
        session.scalars(
            select(Person)
            .where(takes_leads_clause(), Person.slack_id != (lead.owner_id or ""))
            .order_by(Person.name)
            .limit(100)
        )
    )


def reassign(
    session: Session,
    lead_id: int,
    actor: str,
    new_owner: str,
    *,
    settings: Settings,
    directory: SlackDirectory,
    now: datetime,
) -> Lead:
    lead = lead_to_act_on(session, lead_id, actor)
    _require(session, lead, OPEN_STATUSES)
    target = person(session, new_owner)
    if target is None or not may_be_assigned(target):
        raise Refusal("Pick a rep (or a manager who takes leads) from the Handoff roster.")
    if new_owner == lead.owner_id:
        raise Refusal(f"{display_name(session, new_owner)} already has this lead.")
    previous = lead.owner_id
    lead.owner_id, lead.owner_email = new_owner, target.email
    hand_over(session, lead, previous, by=actor, settings=settings, directory=directory, now=now)
    return lead


def claim(
    session: Session,
    lead_id: int,
    actor: str,
    *,
    settings: Settings,
    directory: SlackDirectory,
    now: datetime,
) -> Lead:
    """First click wins: one conditional UPDATE decides, so two simultaneous clicks cannot
    both succeed. The winner owns the lead, gets the alert and enters the ladder."""
    if not may_claim(session, actor):
        raise Refusal("Only reps, managers and admins on the Handoff roster can claim leads.")
    result = session.execute(
        update(Lead)
        .where(Lead.id == lead_id, Lead.owner_id.is_(None), Lead.hot.is_(True))
        .values(owner_id=actor)
        .execution_options(synchronize_session=False)
    )
    won = cast(CursorResult[Any], result).rowcount
    lead = session.get(Lead, lead_id, populate_existing=True)
    if lead is None:
        raise Refusal(GONE)
    if won != 1:
        if lead.owner_id is None:
            raise Refusal("This lead is no longer hot, so it is not up for claiming.")
        raise Refusal(f"{display_name(session, lead.owner_id)} already claimed it.")
    lead.assigned_how, lead.assigned_by, lead.assigned_from = AssignedHow.CLAIMED, actor, None
    close_claim(session, lead, settings=settings, by=actor, at=now)
    alert_owner(session, lead, settings=settings, directory=directory, now=now)
    return lead


def display_name(session: Session, slack_id: str) -> str:
    """A person's name, escaped for mrkdwn (roster first, then Slack's cache)."""
    someone = person(session, slack_id)
    if someone is not None:
        return escape(someone.name)
    cached = session.get(SlackUser, slack_id)
    if cached is not None and cached.name:
        return escape(cached.name)
    return mention(slack_id)
