"""Storing feedback and posting it to marketing, in one transaction (the outbox).

Each piece of feedback is posted once to MARKETING_CHANNEL under
`bot.keys.feedback_post_key(id)`; a later reply updates that post in place (`chat.update`
targeting the key).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot import outbox
from bot.config import Settings
from bot.errors import Refusal
from bot.feedback.text import first_word, tags_in, without_edge_tags
from bot.ids import FeedbackIds
from bot.keys import feedback_post_key
from bot.lookups import campaign_by_code, campaign_of
from bot.messages import Message, render_message
from bot.models import Campaign, Feedback, Lead, utcnow
from bot.people import person
from bot.states import FeedbackKind

# What a refused feedback says in plain words; `/feedback` answers with its own notice,
# rendered from the refusal's kind and context (templates/feedback_notice.json.j2).
PROBLEMS = {
    "no_text": "Write what the customer said, not only tags.",
    "not_configured": "Feedback is not set up yet (MARKETING_CHANNEL is not set); "
    "ask your Handoff admin.",
    "not_on_roster": "Only people on the Handoff roster can send feedback.",
}


@dataclass(frozen=True)
class Sent:
    """What the rep is told once their feedback is stored and queued for marketing."""

    feedback_id: int
    campaign: Campaign | None = None
    inferred_from: str | None = None  # the name of the lead the campaign was inferred from
    tags: list[str] = field(default_factory=list)

    @property
    def post_key(self) -> str:
        return feedback_post_key(self.feedback_id)


# -- which campaign -----------------------------------------------------------------------


def latest_touched_lead(session: Session, slack_id: str) -> Lead | None:
    """The rep's most recently touched lead that belongs to a campaign (theirs, or one they
    acted on)."""
    touched = func.coalesce(Lead.status_at, Lead.first_touched_at)
    return session.scalar(
        select(Lead)
        .where(
            or_(Lead.status_by == slack_id, Lead.owner_id == slack_id),
            touched.is_not(None),
            Lead.campaign_id.is_not(None),
        )
        .order_by(touched.desc(), Lead.id.desc())
        .limit(1)
    )


# -- sending --------------------------------------------------------------------------------


def submit_feedback(
    session: Session,
    *,
    settings: Settings,
    author_id: str,
    text: str,
    now: datetime | None = None,
) -> Sent:
    """`/feedback [CODE] text`: store it (campaign explicit, inferred or none) and queue the
    post to marketing. Raises a Refusal (kind: a key of PROBLEMS) when it cannot be sent."""
    _check_sender(session, settings, author_id)
    tags = tags_in(text)
    code, rest = first_word(text)
    campaign = campaign_by_code(session, code)
    inferred_from = None
    if campaign is not None:
        text = rest
    else:
        lead = latest_touched_lead(session, author_id)
        if lead is not None:
            campaign, inferred_from = campaign_of(session, lead), lead.name
    feedback = _store(
        session,
        settings,
        text,
        tags=tags,
        author_id=author_id,
        campaign=campaign,
        inferred=inferred_from is not None,
        now=now,
        explicit_code=code if campaign is not None and inferred_from is None else None,
    )
    return Sent(feedback.id, campaign, inferred_from, list(feedback.tags))


def submit_lead_feedback(
    session: Session,
    *,
    settings: Settings,
    author_id: str,
    lead: Lead,
    text: str,
    now: datetime | None = None,
) -> Sent:
    """Feedback from a lead alert's "Feedback" button: tied to the lead and its campaign.
    The caller has checked that `author_id` may act on the lead (so they need not be on the
    roster: a lead's owner may be known to Handoff only through the CRM)."""
    _check_sender(session, settings, author_id, roster=False)
    campaign = campaign_of(session, lead)
    feedback = _store(
        session, settings, text, author_id=author_id, campaign=campaign, lead=lead, now=now
    )
    return Sent(feedback.id, campaign, None, list(feedback.tags))


def record_lead_quality(session: Session, *, settings: Settings, feedback: Feedback) -> None:
    """Post a stored "Not a fit" Feedback row (kind "lead_quality", lead and campaign set) to
    marketing, marked as lead-quality feedback, in the caller's transaction."""
    if not settings.marketing_channel:
        return
    session.flush()
    _post(session, settings, feedback)


def _check_sender(
    session: Session, settings: Settings, author_id: str, *, roster: bool = True
) -> None:
    if not settings.marketing_channel:
        raise Refusal(PROBLEMS["not_configured"], "not_configured")
    if roster and person(session, author_id) is None:
        raise Refusal(PROBLEMS["not_on_roster"], "not_on_roster")


def _store(
    session: Session,
    settings: Settings,
    text: str,
    *,
    tags: list[str] | None = None,
    author_id: str,
    campaign: Campaign | None,
    inferred: bool = False,
    lead: Lead | None = None,
    now: datetime | None = None,
    explicit_code: str | None = None,
) -> Feedback:
    tags = tags_in(text) if tags is None else tags
    shown = without_edge_tags(text)
    if not shown:
        raise Refusal(PROBLEMS["no_text"], "no_text", code=explicit_code)
    feedback = Feedback(
        campaign_id=campaign.id if campaign else None,
        campaign_inferred=inferred,
        lead_id=lead.id if lead else None,
        author_id=author_id,
        kind=FeedbackKind.REP,
        text=shown,
        tags=tags,
        created_at=now or utcnow(),
    )
    session.add(feedback)
    session.flush()
    _post(session, settings, feedback)
    return feedback


# -- the marketing post ---------------------------------------------------------------------


def post_context(
    feedback: Feedback, campaign: Campaign | None, lead: Lead | None
) -> dict[str, Any]:
    """What `templates/feedback_post.json.j2` is rendered with."""
    return {
        "ids": FeedbackIds,
        "feedback": feedback,
        "lines": feedback.text.splitlines() or [""],
        "reply_lines": (feedback.reply_text or "").splitlines(),
        "lead_quality": feedback.kind == FeedbackKind.LEAD_QUALITY,
        "tags": [] if feedback.kind == FeedbackKind.LEAD_QUALITY else list(feedback.tags or []),
        "campaign": campaign,
        "lead": lead,
        "block_id": f"{FeedbackIds.POST_ACTIONS}:{feedback.id}",
    }


def post_message(session: Session, feedback: Feedback) -> Message:
    """The marketing post as it stands: the feedback, and the answer once there is one."""
    campaign = session.get(Campaign, feedback.campaign_id) if feedback.campaign_id else None
    lead = session.get(Lead, feedback.lead_id) if feedback.lead_id else None
    return render_message("feedback_post", **post_context(feedback, campaign, lead))


def _post(session: Session, settings: Settings, feedback: Feedback) -> None:
    outbox.enqueue(
        session,
        "chat.postMessage",
        key=feedback_post_key(feedback.id),
        channel=settings.marketing_channel,
        **post_message(session, feedback).as_args(),
    )


def refresh_post(session: Session, settings: Settings, feedback: Feedback) -> None:
    """Update the marketing post in place (after a reply)."""
    outbox.enqueue(
        session,
        "chat.update",
        target=feedback_post_key(feedback.id),
        channel=settings.marketing_channel,
        **post_message(session, feedback).as_args(),
    )
