"""The ladder: the one place that decides what is due about an untouched hot lead.

A hot lead's SLA clock starts when its owner is alerted (`start_clock`). After
`HOT_LEAD_SLA` of working time the owner gets a reminder in the alert's thread; after
`ESCALATE_AFTER` of working time their manager (or `SALES_CHANNEL`) is told. Acting on the
lead stops the clock (`stop_clock`); a snooze parks it until a time (`snooze`), after which
the clock starts again from zero (a new *cycle*).

With `REASSIGN_AFTER` set, a lead its owner still has not touched after that much of their
working time moves on (step REASSIGN) to the next eligible rep of its pool, whose own ladder
starts from zero (a new cycle); after `MAX_REASSIGNS` moves it stays where it is. If
REASSIGN_AFTER is longer than ESCALATE_AFTER the manager is told first and the move comes
later; otherwise the move takes the escalation's place, and the manager is told only of a
lead that cannot move on (the last owner's ladder, past MAX_REASSIGNS, ends with the
escalation; nobody else eligible: the escalation goes out at once and says so).

What is due lives in the database (`Lead.next_due_at`, indexed). `sweep()` claims the due
rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's single writer does the same), records
each ping in `pings` (unique per lead, step and cycle) and enqueues its message in the same
transaction, so a restart or a second process neither loses nor repeats one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, Select, and_, bindparam, literal, select, union_all
from sqlalchemy.orm import Session, aliased

from bot.config import Settings
from bot.db import Database, transaction_memo
from bot.leads import pings
from bot.models import Lead, Person, SlackUser, utcnow
from bot.people import SlackDirectory
from bot.states import CLOSED_STATUSES, LeadStage, LeadStatus

log = logging.getLogger(__name__)

REMINDER, ESCALATION, DONE = pings.STEP_REMINDER, pings.STEP_ESCALATION, 2
# Numbered after DONE, so rows stored before this step existed keep their meaning (2: done).
REASSIGN = 3
STEPS = (REMINDER, ESCALATION, REASSIGN)
BATCH = 50
MAX_ROUNDS = 40
_MANAGER = aliased(Person, name="manager")  # built once, not per sweep round


# -- the clock -----------------------------------------------------------------------------


def start_clock(
    session: Session,
    lead: Lead,
    *,
    settings: Settings,
    directory: SlackDirectory,
    now: datetime | None = None,
) -> None:
    """Start a new run of the SLA clock; the reminder falls due after HOT_LEAD_SLA of the
    owner's working time. Opens no session and calls no Slack API (safe inside any
    transaction, also SQLite's)."""
    now = now or utcnow()
    lead.ladder_cycle = (lead.ladder_cycle or 0) + 1
    lead.clock_started_at = now
    lead.ladder_step = REMINDER
    if lead.owner_id is None:
        lead.next_due_at = None
        return
    zone = zone_in_session(session, directory, lead.owner_id)
    lead.next_due_at = reminder_due(settings, now, zone)


def stop_clock(lead: Lead) -> None:
    """Someone acted on the lead: nothing more is due."""
    lead.next_due_at = None


def snooze(lead: Lead, until: datetime) -> None:
    """Nothing is due until `until`; then the sweep starts the clock again (a new cycle)."""
    lead.snoozed_until = until
    lead.next_due_at = until


def reminder_due(settings: Settings, started: datetime, zone: ZoneInfo) -> datetime:
    return settings.working_hours.add(started, settings.hot_lead_sla, zone)


def escalation_due(settings: Settings, started: datetime, zone: ZoneInfo) -> datetime:
    return settings.working_hours.add(started, settings.escalate_after, zone)


def reassign_due(settings: Settings, started: datetime, zone: ZoneInfo) -> datetime:
    assert settings.reassign_after is not None
    return settings.working_hours.add(started, settings.reassign_after, zone)


def may_move_on(settings: Settings, lead: Lead) -> bool:
    """Whether the lead may still move on by itself: REASSIGN_AFTER is on, it has moved fewer
    than MAX_REASSIGNS times, and nobody has acted on it (status new, stage new)."""
    return (
        settings.reassign_after is not None
        and (lead.auto_reassigns or 0) < settings.max_reassigns
        and lead.status == LeadStatus.NEW
        and not LeadStage(lead.stage or LeadStage.NEW).touched
    )


def moves_before_escalation(settings: Settings) -> bool:
    """The move takes the escalation's place (REASSIGN_AFTER not longer than ESCALATE_AFTER)."""
    return (
        settings.reassign_after is not None and settings.reassign_after <= settings.escalate_after
    )


class MoveOn(Protocol):
    """Gives an untouched lead to the next eligible rep of its pool, in the caller's transaction
    (`bot.leads.moveon.move_on`): True if it has a new owner (whose clock has started), False
    if nobody else is eligible (the routing decision recorded says why)."""

    def __call__(
        self,
        session: Session,
        lead: Lead,
        *,
        settings: Settings,
        directory: SlackDirectory,
        now: datetime,
    ) -> bool: ...


def zone_in_session(session: Session, directory: SlackDirectory, slack_id: str) -> ZoneInfo:
    """The person's zone from the roster override or the cached users.info, read through
    `session`; DEFAULT_TIMEZONE when neither is known. Known zones are kept for the rest of
    the transaction (`prefetch_zones` reads a batch's at once)."""
    zones = transaction_memo(session, _ZONES)
    if slack_id not in zones:
        name = session.scalar(select(Person.tz_override).where(Person.slack_id == slack_id))
        if not name:
            cached = session.get(SlackUser, slack_id)
            name = cached.tz if cached is not None else None
        zones[slack_id] = _zone(name, directory)
    zone: ZoneInfo = zones[slack_id]
    return zone


# The zone names of :ids, overrides from the roster (flagged) and Slack's cached profiles,
# in one statement built once (every batch of hot leads asks it for the owners).
_ZONE_NAMES = union_all(
    select(Person.slack_id, Person.tz_override, literal(True)).where(
        Person.slack_id.in_(bindparam("ids", expanding=True)), Person.tz_override.is_not(None)
    ),
    select(SlackUser.slack_id, SlackUser.tz, literal(False)).where(
        SlackUser.slack_id.in_(bindparam("ids", expanding=True))
    ),
)


def prefetch_zones(session: Session, directory: SlackDirectory, slack_ids: Iterable[str]) -> None:
    """Read the zones of many people in two queries, for `zone_in_session` in this transaction."""
    zones = transaction_memo(session, _ZONES)
    wanted = [slack_id for slack_id in dict.fromkeys(slack_ids) if slack_id not in zones]
    for start in range(0, len(wanted), 400):
        chunk = wanted[start : start + 400]
        names: dict[str, str | None] = dict.fromkeys(chunk)
        overrides: dict[str, str] = {}
        for slack_id, name, overridden in session.execute(_ZONE_NAMES, {"ids": chunk}):
            if overridden and name:
                overrides[slack_id] = name
            elif name:
                names[slack_id] = name
        names.update(overrides)  # an override set on the roster wins over Slack's profile
        zones.update((slack_id, _zone(name, directory)) for slack_id, name in names.items())


def _zone(name: str | None, directory: SlackDirectory) -> ZoneInfo:
    try:
        return ZoneInfo(name or directory.default_tz)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(directory.default_tz)


_ZONES = "ladder_zones"  # transaction memo: slack id -> zone


# -- the sweep -----------------------------------------------------------------------------


@dataclass
class SweepReport:
    reminders: int = 0
    folded: int = 0
    escalations: int = 0
    restarted: int = 0
    postponed: int = 0
    stopped: int = 0
    reassigned: int = 0  # moved on to another rep (REASSIGN_AFTER)
    stuck: int = 0  # due to move on, but nobody else was eligible

    @property
    def total(self) -> int:
        return (
            self.reminders
            + self.folded
            + self.escalations
            + self.reassigned
            + self.stuck
            + self.restarted
            + self.postponed
            + self.stopped
        )


def due_clause(now: datetime) -> ColumnElement[bool]:
    # `IS NOT NULL` matches the partial index's condition, so both databases use ix_leads_due.
    return and_(Lead.next_due_at.is_not(None), Lead.next_due_at <= now)


def due_query(now: datetime, *, limit: int = BATCH, lock: bool = False) -> Select[Lead]:
    """Due leads, earliest first; `lock` claims them (FOR UPDATE SKIP LOCKED)."""
    query = select(Lead).where(due_clause(now)).order_by(Lead.next_due_at).limit(limit)
    return query.with_for_update(skip_locked=True) if lock else query


def sweep(
    db: Database,
    *,
    settings: Settings,
    directory: SlackDirectory,
    now: datetime | None = None,
    move_on: MoveOn | None = None,
) -> SweepReport:
    """Send everything that is due at `now`, once. Safe to run in several processes.

    `move_on` carries out the REASSIGN step (needed when REASSIGN_AFTER is set)."""
    if settings.reassign_after is not None and move_on is None:
        raise ValueError("REASSIGN_AFTER is set: the sweep needs move_on")
    now = now or utcnow()
    report = SweepReport()
    for _ in range(MAX_ROUNDS):
        zones = _zones_of_due(db, directory, now)
        if zones is None:  # nothing due: no claiming transaction (no write lock on SQLite)
            break
        with db.session() as session:
            leads = list(session.scalars(due_query(now, lock=db.is_postgres)))
            step = _Step(session, settings, directory, zones, now, report, move_on)
            for lead in leads:
                step.advance(lead)
        # A full batch may mean more are waiting; a lead whose next step is already due (the
        # app was down past both) goes round again now rather than one interval later.
        if len(leads) < BATCH and not any(_is_due(lead, now) for lead in leads):
            break
    if report.total:
        log.info("ladder sweep: %s", report)
    return report


def _is_due(lead: Lead, now: datetime) -> bool:
    return lead.next_due_at is not None and lead.next_due_at <= now


def _zones_of_due(
    db: Database, directory: SlackDirectory, now: datetime
) -> dict[str, ZoneInfo] | None:
    """Time zones of the owners (and their managers) of the next due leads, resolved through
    the directory (users.info, cached) before the claiming transaction begins; None if
    nothing is due."""
    manager = _MANAGER
    with db.session() as session:
        due = list(
            session.scalars(
                select(Lead.owner_id).where(due_clause(now)).order_by(Lead.next_due_at).limit(BATCH)
            )
        )
        if not due:
            return None
        owners = {owner for owner in due if owner}
        if not owners:
            return {}
        managers = set(
            session.scalars(
                select(manager.slack_id)
                .join(Person, Person.manager_id == manager.id)
                .where(Person.slack_id.in_(owners))
            )
        )
    return {slack_id: directory.timezone(slack_id) for slack_id in owners | managers}


@dataclass
class _Step:
    """One claiming transaction's work: each due lead one step up the ladder."""

    session: Session
    settings: Settings
    directory: SlackDirectory
    zones: dict[str, ZoneInfo]
    now: datetime
    report: SweepReport
    move_on: MoveOn | None = None
    sent: dict[str, int] = field(default_factory=dict)  # reminders per rep, last hour

    def zone(self, slack_id: str) -> ZoneInfo:
        if slack_id not in self.zones:
            self.zones[slack_id] = zone_in_session(self.session, self.directory, slack_id)
        return self.zones[slack_id]

    def postpone_outside_hours(self, lead: Lead, slack_id: str) -> bool:
        """Nobody is pinged outside their working hours: move the step to their next start."""
        hours, zone = self.settings.working_hours, self.zone(slack_id)
        if hours.is_working(self.now, zone):
            return False
        lead.next_due_at = hours.next_start(self.now, zone)
        self.report.postponed += 1
        return True

    def advance(self, lead: Lead) -> None:
        session, settings, now, report = self.session, self.settings, self.now, self.report
        if lead.snoozed_until is not None and lead.snoozed_until <= now:
            lead.snoozed_until = None
            if lead.status == LeadStatus.SNOOZED:
                lead.status = LeadStatus.NEW
            start_clock(session, lead, settings=settings, directory=self.directory, now=now)
            report.restarted += 1
            return
        owner = lead.owner_id
        if (
            owner is None
            or not lead.hot
            or lead.status in CLOSED_STATUSES
            or lead.ladder_step not in STEPS
        ):
            stop_clock(lead)
            report.stopped += 1
            return
        if lead.ladder_step == REMINDER:
            self.remind(lead, owner)
        elif lead.ladder_step == REASSIGN:
            self.reassign(lead, owner)
        elif self.escalate(lead):
            self.after_escalation(lead, owner)

    def started(self, lead: Lead) -> datetime:
        return lead.clock_started_at or self.now

    def remind(self, lead: Lead, owner: str) -> None:
        settings, now = self.settings, self.now
        if self.postpone_outside_hours(lead, owner):
            return
        moves = may_move_on(settings, lead)
        first = moves_before_escalation(settings)
        then = ("move" if first else "escalate_move") if moves else "escalate"
        outcome = pings.remind(
            self.session, lead, settings=settings, now=now, sent=self.sent, then=then
        )
        self.report.reminders += outcome == "sent"
        self.report.folded += outcome == "folded"
        zone = self.zone(owner)
        if moves and first:
            lead.ladder_step = REASSIGN
            lead.next_due_at = max(reassign_due(settings, self.started(lead), zone), now)
        else:
            lead.ladder_step = ESCALATION
            lead.next_due_at = max(escalation_due(settings, self.started(lead), zone), now)

    def escalate(self, lead: Lead) -> bool:
        """Tell the manager (or SALES_CHANNEL); False if postponed to their working hours."""
        session, settings = self.session, self.settings
        recipient = pings.escalation_recipient(session, lead, settings=settings)
        if recipient is None:
            log.warning("lead #%s is due for escalation but SALES_CHANNEL is not set", lead.id)
        elif recipient.startswith(("U", "W")) and self.postpone_outside_hours(lead, recipient):
            return False
        elif pings.escalate(session, lead, recipient, settings=settings, now=self.now):
            self.report.escalations += 1
        return True

    def after_escalation(self, lead: Lead, owner: str) -> None:
        """The lead moves on later (REASSIGN_AFTER longer than ESCALATE_AFTER), or that was the
        ladder's last step."""
        settings = self.settings
        if not moves_before_escalation(settings) and may_move_on(settings, lead):
            lead.ladder_step = REASSIGN
            due = reassign_due(settings, self.started(lead), self.zone(owner))
            lead.next_due_at = max(due, self.now)
            return
        lead.ladder_step = DONE
        lead.next_due_at = None

    def reassign(self, lead: Lead, owner: str) -> None:
        """The owner has left the lead untouched for REASSIGN_AFTER: the next eligible rep of
        its pool gets it. Nobody else eligible: it stays, and the escalation says so."""
        session, settings, now = self.session, self.settings, self.now
        escalated = pings.escalated(session, lead)
        if not may_move_on(settings, lead) or self.move_on is None:
            # Acted on meanwhile, or REASSIGN_AFTER was turned off since: the ladder goes on
            # without the move.
            if escalated:
                lead.ladder_step, lead.next_due_at = DONE, None
            else:
                lead.ladder_step = ESCALATION
                due = escalation_due(settings, self.started(lead), self.zone(owner))
                lead.next_due_at = max(due, now)
            return
        if self.postpone_outside_hours(lead, owner):
            return
        if self.move_on(session, lead, settings=settings, directory=self.directory, now=now):
            self.report.reassigned += 1
            return
        self.report.stuck += 1
        if escalated:
            pings.stuck(session, lead, now=now)
        elif not self.escalate(lead):
            return  # the manager's working hours: the move is tried again then
        lead.ladder_step, lead.next_due_at = DONE, None
