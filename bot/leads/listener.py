"""The lead listener: what a stored or updated lead means for alerts, inside the intake
transaction (so the alert is committed with the lead and the outbox wakes on that commit)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from bot import outbox
from bot.config import Settings
from bot.keys import alert_key, claim_key
from bot.leads import ladder
from bot.leads.intake import LeadChange
from bot.leads.notify import announce, hand_over, refresh_alert
from bot.models import utcnow
from bot.people import SlackDirectory
from bot.states import OPEN_STATUSES


def on_lead_changes(
    session: Session,
    changes: list[LeadChange],
    *,
    settings: Settings,
    directory: SlackDirectory,
) -> None:
    """A batch's changes, in order (`on_lead_change`), at one moment. What each new hot lead's
    alert needs is read once for the batch: which of their messages are still free to post
    (`outbox.reserve_keys`: none can exist, but a reused id is checked for) and the owners'
    time zones."""
    now = utcnow()
    news = [change.lead for change in changes if change.created and change.lead.hot]
    owners = [lead.owner_id for lead in news if lead.owner_id is not None]
    if news:
        outbox.reserve_keys(
            session,
            [alert_key(lead.id, lead.owner_id) for lead in news if lead.owner_id is not None]
            + [claim_key(lead.id) for lead in news],
        )
    if owners:
        ladder.prefetch_zones(session, directory, owners)
    for change in changes:
        on_lead_change(session, change, settings=settings, directory=directory, now=now)


def on_lead_change(
    session: Session,
    change: LeadChange,
    *,
    settings: Settings,
    directory: SlackDirectory,
    now: datetime | None = None,
) -> None:
    """New hot lead: alert its owner (or offer it in SALES_CHANNEL). Re-sent lead: no new
    alert, unless it just turned hot (alerted once) or its owner changed (a reassignment).
    Cold leads are never alerted. A stage from the CRM that touched the lead stops its ladder
    and shows on its alert; a lead that arrives already worked is not alerted."""
    lead = change.lead
    if change.stage_from is not None and lead.status not in OPEN_STATUSES:
        if lead.next_due_at is not None:
            ladder.stop_clock(lead)
        if not change.created:
            refresh_alert(session, lead)
    if change.created and lead.status not in OPEN_STATUSES:
        return
    if not lead.hot:
        if lead.next_due_at is not None:  # it cooled down: nothing to remind anyone about
            ladder.stop_clock(lead)
        if lead.owner_wait_until is not None:  # no alert waits for its owner any more
            lead.owner_wait_until = None  # (set only when set: else every cold lead of a
            # batch is flushed as "modified", each through the ORM's update machinery)
        return
    now = now or utcnow()
    moved = not change.created and lead.owner_id != change.previous_owner
    if moved:
        hand_over(
            session,
            lead,
            change.previous_owner,
            by=None,
            settings=settings,
            directory=directory,
            now=now,
        )
    elif change.created or change.became_hot:
        announce(session, lead, settings=settings, directory=directory, now=now)


def lead_listener(
    settings: Settings, directory: SlackDirectory
) -> Callable[[Session, list[LeadChange]], None]:
    """The listener `Handoff.build` registers in `lead_listeners`."""

    def listener(session: Session, changes: list[LeadChange]) -> None:
        on_lead_changes(session, changes, settings=settings, directory=directory)

    return listener
