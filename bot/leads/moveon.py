"""An untouched hot lead moves on (`REASSIGN_AFTER`): the next eligible rep of its pool gets it.

`bot.leads.ladder` decides *when* (its REASSIGN step) and calls `move_on` inside the sweep's
claiming transaction, so two processes never move one lead twice. The choice is round robin's
(`bot.routing.route`, which records the decision for `/leads why`), skipping everyone Handoff
has already moved this lead away from, and its current owner; when nobody else is eligible,
those earlier owners are asked again (better back to one of them than stuck). The hand-over
is a person's reassignment's (`bot.leads.notify.hand_over`): the old alert and the manager's
escalation update in place, the new owner's alert says "Reassigned to you after 1h 30m
untouched (from Priya)", and their ladder starts from zero.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import routing
from bot.config import Settings
from bot.leads import notify
from bot.models import Lead, RoutingDecision
from bot.people import SlackDirectory

log = logging.getLogger(__name__)


def moved_from(session: Session, lead: Lead) -> set[str]:
    """Everyone Handoff has moved this lead away from (because they left it untouched)."""
    rows = session.scalars(
        select(RoutingDecision.reassigned_from).where(
            RoutingDecision.lead_id == lead.id, RoutingDecision.reassigned_from.is_not(None)
        )
    )
    return {slack_id for slack_id in rows if slack_id}


def _route(
    session: Session,
    lead: Lead,
    owner: str,
    exclude: set[str],
    *,
    settings: Settings,
    now: datetime,
) -> routing.Decision:
    """Round robin without `exclude`, its decision marked as a move away from `owner`."""
    return routing.route(
        session,
        lead,
        settings=settings,
        now=now,
        exclude=tuple(sorted(exclude)),
        moving_from=owner,
    )


def move_on(
    session: Session,
    lead: Lead,
    *,
    settings: Settings,
    directory: SlackDirectory,
    now: datetime,
) -> bool:
    """Give `lead` (untouched by its owner for REASSIGN_AFTER) to the next eligible rep: True
    if it has a new owner, False if nobody else is eligible (it stays with its owner)."""
    owner = lead.owner_id
    assert owner is not None and settings.reassign_after is not None
    earlier = moved_from(session, lead) - {owner}
    decision = _route(session, lead, owner, {owner, *earlier}, settings=settings, now=now)
    if decision.chosen is None and earlier:
        # Only someone who had it before is free: better back to them than stuck.
        decision = _route(session, lead, owner, {owner}, settings=settings, now=now)
    if decision.chosen is None:
        log.info("lead #%s stays with its owner: nobody else is eligible", lead.id)
        return False
    lead.owner_id = decision.chosen
    lead.auto_reassigns = (lead.auto_reassigns or 0) + 1
    lead.untouched_seconds = int(settings.reassign_after.total_seconds())
    notify.hand_over(
        session, lead, owner, by=None, settings=settings, directory=directory, now=now, auto=True
    )
    log.info("lead #%s moved on after %s untouched", lead.id, settings.reassign_after)
    return True
