"""Sending and updating alerts: the owner's DM, the sales-channel claim message, and what a
change of owner does to both. Everything goes through the outbox in the caller's transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from bot import outbox, routing
from bot.config import Settings
from bot.keys import alert_key, claim_key
from bot.leads import escalations, folding, ladder
from bot.leads.render import (
    AlertState,
    alert_message,
    claim_message,
)
from bot.messages import render_message
from bot.models import Lead
from bot.people import SlackDirectory
from bot.states import OPEN_STATUSES, AssignedHow, LeadStatus

log = logging.getLogger(__name__)


def refresh_alert(session: Session, lead: Lead, state: AlertState | None = None) -> None:
    """Update the current owner's alert in place (text and blocks) to show the lead's state,
    and any folded burst message that lists the lead."""
    folding.refresh(session, lead)
    owner = lead.owner_id
    if owner is None or not outbox.is_queued(session, alert_key(lead.id, owner)):
        return
    message = alert_message(session, lead, state)
    outbox.enqueue(
        session, "chat.update", target=alert_key(lead.id, owner), channel=owner, **message.as_args()
    )


def alert_owner(
    session: Session, lead: Lead, *, settings: Settings, directory: SlackDirectory, now: datetime
) -> None:
    """DM the owner the alert (once per owner) and, for an open lead, start the ladder."""
    owner = lead.owner_id
    if owner is None:
        return
    lead.owner_pending, lead.owner_wait_until = False, None  # whatever was awaited is moot
    key = alert_key(lead.id, owner)
    fold = None
    if settings.alert_burst and not outbox.is_queued(session, key):  # news: maybe part of a burst
        fold = folding.admit(
            session, folding.ALERT, owner, lead, burst=settings.alert_burst, now=now
        )
    if fold is not None:
        folding.show(session, fold)
    else:
        _post_alert(session, lead, key, owner)
    if lead.alerted_at is None:
        lead.alerted_at = now
    lead.assigned_at = now  # the new owner's wait counts from their alert
    if lead.status in OPEN_STATUSES:
        ladder.start_clock(session, lead, settings=settings, directory=directory, now=now)


def _post_alert(session: Session, lead: Lead, key: str, owner: str) -> None:
    message = alert_message(session, lead)
    posted = outbox.enqueue(
        session,
        "chat.postMessage",
        key=key,
        channel=owner,
        unfurl_links=False,  # no preview of the landing page under the alert
        unfurl_media=False,
        **message.as_args(),
    )
    if posted is None:
        # They had this lead before: bring their old alert up to date and say so in its thread.
        outbox.enqueue(session, "chat.update", target=key, channel=owner, **message.as_args())
        back = render_message("lead_alert_back", lead=lead)
        outbox.enqueue(session, "chat.postMessage", thread=key, channel=owner, **back.as_args())


def post_claim(
    session: Session, lead: Lead, *, settings: Settings, reason: str | None = None
) -> None:
    """Offer an unassigned hot lead in SALES_CHANNEL with a Claim button (once per lead);
    `reason` says why round robin gave it to nobody."""
    if not settings.sales_channel:
        log.warning("lead #%s is hot and unassigned but SALES_CHANNEL is not set", lead.id)
        return
    message = claim_message(session, lead, reason=reason)
    key = claim_key(lead.id)
    posted = outbox.enqueue(
        session,
        "chat.postMessage",
        key=key,
        channel=settings.sales_channel,
        unfurl_links=False,
        unfurl_media=False,
        **message.as_args(),
    )
    if posted is None:  # offered before, then assigned, now unassigned again: reopen it
        outbox.enqueue(
            session,
            "chat.update",
            target=key,
            channel=settings.sales_channel,
            **message.as_args(),
        )


def close_claim(
    session: Session, lead: Lead, *, settings: Settings, by: str | None, at: datetime
) -> None:
    """Show on the claim message (if there is one) who has the lead now; the button goes."""
    key = claim_key(lead.id)
    if lead.owner_id is None or not outbox.is_queued(session, key):
        return
    message = claim_message(session, lead, owner=lead.owner_id, by=by, at=at)
    outbox.enqueue(
        session, "chat.update", target=key, channel=settings.sales_channel, **message.as_args()
    )


def offer_or_wait(session: Session, lead: Lead, *, settings: Settings, now: datetime) -> None:
    """A hot lead without an owner: offer it in SALES_CHANNEL, unless Slack is still being
    asked who its owner_email is; then the offer waits up to OWNER_LOOKUP_WAIT (bot.leads.owners
    makes it when the wait is over or Slack knows no such user)."""
    if lead.owner_pending and not outbox.is_queued(session, claim_key(lead.id)):
        lead.owner_wait_until = now + settings.owner_lookup_wait
        return
    post_claim(session, lead, settings=settings)


def _route(
    session: Session, lead: Lead, *, settings: Settings, now: datetime, exclude: tuple[str, ...]
) -> routing.Decision | None:
    """With ROUTING=round_robin, give an open lead with no owner to the next eligible rep of
    its pool (never one in `exclude`) and return the decision; None: routing is `channel`, or
    the lead is no longer open."""
    if settings.routing != "round_robin" or lead.status not in OPEN_STATUSES:
        return None
    decision = routing.route(session, lead, settings=settings, now=now, exclude=exclude)
    if decision.chosen is not None:
        lead.owner_id = decision.chosen
        lead.assigned_how, lead.assigned_by = AssignedHow.ROUND_ROBIN, None
        lead.assigned_from = decision.pool  # its key: the label is looked up when shown
    return decision


def place_unowned(
    session: Session,
    lead: Lead,
    *,
    settings: Settings,
    directory: SlackDirectory,
    now: datetime,
    exclude: tuple[str, ...] = (),
) -> None:
    """A hot lead whose owner cannot be resolved: the next eligible rep of its pool by round
    robin (ROUTING=round_robin), else offered in SALES_CHANNEL (saying why round robin gave
    it to nobody)."""
    decision = _route(session, lead, settings=settings, now=now, exclude=exclude)
    if lead.owner_id is None:
        reason = decision.nobody_reason if decision is not None else None
        post_claim(session, lead, settings=settings, reason=reason)
    else:
        close_claim(session, lead, settings=settings, by=None, at=now)
        alert_owner(session, lead, settings=settings, directory=directory, now=now)


def announce(
    session: Session, lead: Lead, *, settings: Settings, directory: SlackDirectory, now: datetime
) -> None:
    """A hot lead to act on: alert its owner; with no owner, the next rep by round robin
    (ROUTING=round_robin), else offer it in the sales channel (saying why nobody got it). A
    lead whose owner_email Slack is still being asked about waits (`offer_or_wait`)."""
    if lead.owner_id is not None:
        alert_owner(session, lead, settings=settings, directory=directory, now=now)
    elif lead.owner_pending:
        offer_or_wait(session, lead, settings=settings, now=now)
    else:
        place_unowned(session, lead, settings=settings, directory=directory, now=now)


def owner_found(
    session: Session,
    lead: Lead,
    slack_id: str,
    *,
    settings: Settings,
    directory: SlackDirectory,
    now: datetime,
) -> None:
    """Slack named the user behind the lead's owner_email: the lead is theirs. A hot lead's
    alert goes to them (with the campaign context), and an offer already made in
    SALES_CHANNEL is updated in place to say who has it."""
    lead.owner_id, lead.owner_pending, lead.owner_wait_until = slack_id, False, None
    if lead.hot:
        hand_over(session, lead, None, by=None, settings=settings, directory=directory, now=now)


def owner_not_found(
    session: Session, lead: Lead, *, settings: Settings, directory: SlackDirectory, now: datetime
) -> None:
    """Slack has no user with the lead's owner_email (or stopped being asked): no owner. A hot
    lead still waiting goes to round robin now (`place_unowned`)."""
    waiting = lead.owner_wait_until is not None
    lead.owner_pending, lead.owner_wait_until = False, None
    if waiting and lead.hot and lead.owner_id is None:
        place_unowned(session, lead, settings=settings, directory=directory, now=now)


def wait_over(
    session: Session, lead: Lead, *, settings: Settings, directory: SlackDirectory, now: datetime
) -> None:
    """OWNER_LOOKUP_WAIT has passed with no answer from Slack: the lead goes to round robin
    (`place_unowned`). The lookup goes on; if it succeeds and the lead is still unowned (offered
    in SALES_CHANNEL, not claimed), `owner_found` still gives it to the rep."""
    lead.owner_wait_until = None
    if lead.hot and lead.owner_id is None:
        place_unowned(session, lead, settings=settings, directory=directory, now=now)


def hand_over(
    session: Session,
    lead: Lead,
    previous_owner: str | None,
    *,
    by: str | None,
    settings: Settings,
    directory: SlackDirectory,
    now: datetime,
    auto: bool = False,
) -> None:
    """`lead.owner_id` has just changed from `previous_owner` (by a person, the CRM when `by`
    is None, or Handoff itself when `auto`: left untouched for REASSIGN_AFTER): the old alert
    and the escalation say so, the new owner is alerted (their alert says how they got it),
    the clock restarts. An open lead left with no owner (the CRM un-assigned it) goes to round
    robin first, never back to `previous_owner`; a worked one (contacted, not a fit) is left
    with nobody, and offered to nobody."""
    decision = None
    if lead.owner_id is None and not lead.owner_pending:
        exclude = (previous_owner,) if previous_owner else ()
        decision = _route(session, lead, settings=settings, now=now, exclude=exclude)
    folding.refresh(session, lead)  # a folded burst that lists it says it moved
    if previous_owner:
        escalations.settle(
            session,
            lead,
            escalations.MOVED_ON if auto else escalations.REASSIGNED,
            by=by,
            now=now,
            owner=previous_owner,
            new_owner=lead.owner_id,
        )
    if auto:
        lead.assigned_how = AssignedHow.AUTO_REASSIGNED
        lead.assigned_by, lead.assigned_from = by, previous_owner
    elif decision is None or decision.chosen is None:  # else round robin said how it got it
        lead.assigned_how = AssignedHow.REASSIGNED if by else AssignedHow.CRM
        lead.assigned_by, lead.assigned_from = by, previous_owner
    if previous_owner and outbox.is_queued(session, alert_key(lead.id, previous_owner)):
        untouched = escalations.untouched_text(lead) if auto else None
        state = AlertState(
            "reassigned", by=by, at=now, new_owner=lead.owner_id, untouched=untouched
        )
        message = alert_message(session, lead, state)
        outbox.enqueue(
            session,
            "chat.update",
            target=alert_key(lead.id, previous_owner),
            channel=previous_owner,
            **message.as_args(),
        )
    worked = lead.status not in OPEN_STATUSES
    if not worked:
        lead.status, lead.status_by, lead.status_at = LeadStatus.NEW, by, now
        lead.snoozed_until = None
    if lead.owner_id is None:
        ladder.stop_clock(lead)
        if worked:  # contacted or not a fit already: nothing left to offer anyone
            return
        if decision is not None:  # round robin gave it to nobody: say why
            post_claim(session, lead, settings=settings, reason=decision.nobody_reason)
        else:
            offer_or_wait(session, lead, settings=settings, now=now)
        return
    close_claim(session, lead, settings=settings, by=by, at=now)
    alert_owner(session, lead, settings=settings, directory=directory, now=now)
