"""Campaigns: saving a brief, announcing it to sales, counting who has read it, ending it.

Every change and the Slack message it causes are written in one transaction (the outbox).
The announcement is posted once under `bot.keys.announcement_key(id)`; each later change
(a "Got it", an edit, the end) queues a `chat.update` of that message with the whole
current content.
Changes to one campaign take its row lock first (PostgreSQL; SQLite serialises writers), so
the counts they render are never stale and their updates are queued in commit order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import outbox
from bot.campaigns.form import CampaignForm
from bot.errors import Refusal
from bot.ids import CampaignIds
from bot.keys import announcement_key
from bot.lookups import campaign_by_code
from bot.messages import Message, render_message
from bot.models import Campaign, CampaignRead, Lead, Person, utcnow
from bot.people import has_role
from bot.permissions import may_manage_campaigns
from bot.routing.pools import campaign_reps, reps_problem, set_campaign_reps
from bot.states import CampaignStatus

SALES_TEAM = ("rep", "manager")


def active_campaigns(session: Session) -> list[Campaign]:
    return list(
        session.scalars(
            select(Campaign)
            .where(Campaign.status == CampaignStatus.ACTIVE)
            .order_by(Campaign.name, Campaign.id)
        )
    )


def _locked(session: Session, campaign_id: int) -> Campaign | None:
    query = select(Campaign).where(Campaign.id == campaign_id).with_for_update()
    return session.scalar(query.execution_options(populate_existing=True))


# -- the announcement ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadCount:
    read: int
    team: int


def read_count(session: Session, campaign_id: int) -> ReadCount:
    """How many of the sales team (reps and managers on the roster) have clicked "Got it"."""
    team = session.scalar(
        select(func.count()).select_from(Person).where(Person.role.in_(SALES_TEAM))
    )
    read = session.scalar(
        select(func.count())
        .select_from(CampaignRead)
        .join(Person, Person.slack_id == CampaignRead.slack_id)
        .where(CampaignRead.campaign_id == campaign_id, Person.role.in_(SALES_TEAM))
    )
    return ReadCount(read or 0, team or 0)


def announcement(session: Session, campaign: Campaign) -> Message:
    return render_message(
        "campaign_announcement",
        ids=CampaignIds,
        campaign=campaign,
        reps=campaign_reps(session, campaign.id),
        reads=read_count(session, campaign.id),
        ended=campaign.status == CampaignStatus.ENDED,
    )


def _announce(session: Session, campaign: Campaign, channel: str) -> None:
    message = announcement(session, campaign)
    key = announcement_key(campaign.id)
    outbox.enqueue(session, "chat.postMessage", key=key, channel=channel, **message.as_args())


def _refresh(session: Session, campaign: Campaign, channel: str) -> None:
    # `channel` is replaced by the posted message's at send time; giving it here puts the
    # updates in the channel's queue, which the dispatcher sends one by one in order.
    outbox.enqueue(
        session,
        "chat.update",
        target=announcement_key(campaign.id),
        channel=channel,
        **announcement(session, campaign).as_args(),
    )


# -- create and edit ----------------------------------------------------------------------


@dataclass
class SaveResult:
    campaign: Campaign | None = None
    created: bool = False
    linked_leads: int = 0
    errors: dict[str, str] = field(default_factory=dict)


def _free_code(session: Session, code: str) -> str:
    taken = set(session.scalars(select(Campaign.code).where(Campaign.code.like(f"{code[:70]}-%"))))
    n = 2
    while f"{code[:70]}-{n}" in taken:
        n += 1
    return f"{code[:70]}-{n}"


def _code_taken(session: Session, code: str) -> str:
    return f"The code {code} is already used by another campaign. Try {_free_code(session, code)}."


def save_campaign(
    session: Session,
    *,
    form: CampaignForm,
    user_id: str,
    sales_channel: str,
    campaign_id: int | None = None,
) -> SaveResult:
    """Create (campaign_id None) or edit a campaign from a submitted form, then queue its
    announcement or the announcement's update. Problems come back as inline modal errors."""
    if not may_manage_campaigns(session, user_id):
        return SaveResult(
            errors={CampaignIds.NAME_BLOCK: "Only marketers and admins can save campaigns."}
        )
    errors = form.problems()
    campaign = None
    if campaign_id is not None:
        campaign = _locked(session, campaign_id)
        if campaign is None:
            errors[CampaignIds.NAME_BLOCK] = "This campaign no longer exists."
    code = form.chosen_code
    if CampaignIds.CODE_BLOCK not in errors and code:
        owner = session.scalar(select(Campaign.id).where(Campaign.code == code))
        if owner is not None and owner != campaign_id:
            errors[CampaignIds.CODE_BLOCK] = _code_taken(session, code)
    if CampaignIds.REPS_BLOCK not in errors and form.reps:
        problem = reps_problem(session, form.reps)
        if problem:
            errors[CampaignIds.REPS_BLOCK] = problem
    if errors:
        return SaveResult(errors=errors)
    created = campaign is None
    old_code = None if campaign is None else campaign.code
    try:
        with session.begin_nested():
            if campaign is None:
                campaign = Campaign(created_by=user_id)
                session.add(campaign)
            form.apply_to(campaign)
            session.flush()
            set_campaign_reps(session, campaign.id, form.reps)
    except IntegrityError:  # another marketer took the code a moment ago
        return SaveResult(errors={CampaignIds.CODE_BLOCK: _code_taken(session, code)})
    linked = link_waiting_leads(session, campaign) if campaign.code != old_code else 0
    if created:
        _announce(session, campaign, sales_channel)
    else:
        _refresh(session, campaign, sales_channel)
    return SaveResult(campaign, created, linked)


def link_waiting_leads(session: Session, campaign: Campaign) -> int:
    """Link leads that arrived with this campaign's code before the campaign existed."""
    result = session.execute(
        update(Lead)
        .where(Lead.campaign_code == campaign.code, Lead.campaign_id.is_(None))
        .values(campaign_id=campaign.id)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]  # a DML statement gives a CursorResult


# -- "Got it" and the end -------------------------------------------------------------------


@dataclass(frozen=True)
class ReadResult:
    """A recorded "Got it"."""

    campaign: Campaign
    counted: bool = False  # the reader is on the sales team, so the count went up


def record_read(
    session: Session, *, campaign_id: int, slack_id: str, sales_channel: str
) -> ReadResult:
    """One "Got it" per person per campaign; a new one refreshes the announcement's count.

    Refuses (`Refusal`) with kind "unknown" (no such campaign) or "already" (this person's
    read is recorded already; context `campaign`)."""
    campaign = _locked(session, campaign_id)
    if campaign is None:
        raise Refusal("That campaign no longer exists.", "unknown")
    seen = select(CampaignRead.id).where(
        CampaignRead.campaign_id == campaign_id, CampaignRead.slack_id == slack_id
    )
    if session.scalar(seen) is not None:
        raise Refusal("You have already read it.", "already", campaign=campaign)
    try:
        with session.begin_nested():
            session.add(CampaignRead(campaign_id=campaign_id, slack_id=slack_id))
    except IntegrityError:  # the same person's second click, a moment apart
        raise Refusal("You have already read it.", "already", campaign=campaign) from None
    counted = has_role(session, slack_id, *SALES_TEAM)
    if counted:
        _refresh(session, campaign, sales_channel)
    return ReadResult(campaign, counted)


@dataclass(frozen=True)
class EndResult:
    """A campaign just ended."""

    campaign: Campaign


def end_campaign(session: Session, *, code: str, user_id: str, sales_channel: str) -> EndResult:
    """End the campaign `code`. Refuses (`Refusal`) with kind "refused" (the user may not
    manage campaigns), "unknown" (no such code) or "already" (ended before; context
    `campaign`)."""
    if not may_manage_campaigns(session, user_id):
        raise Refusal("Only marketing or an admin can end a campaign.", "refused")
    found = campaign_by_code(session, code)
    campaign = _locked(session, found.id) if found else None
    if campaign is None:
        raise Refusal(f"There is no campaign `{code}`.", "unknown")
    if campaign.status == CampaignStatus.ENDED:
        raise Refusal("That campaign has ended already.", "already", campaign=campaign)
    campaign.status = CampaignStatus.ENDED
    campaign.ended_at = utcnow()
    session.flush()
    _refresh(session, campaign, sales_channel)
    return EndResult(campaign)
