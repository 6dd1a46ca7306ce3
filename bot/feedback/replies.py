"""Marketing answers a rep: "Reply to rep" opens a modal; the answer reaches the rep as a DM
quoting their feedback, and the marketing post shows it was answered and by whom."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot import outbox
from bot.config import Settings
from bot.errors import Refusal
from bot.feedback.service import post_context, refresh_post
from bot.keys import feedback_reply_key
from bot.messages import escape, render_message, render_view
from bot.models import Campaign, Feedback, Lead, utcnow
from bot.people import person
from bot.permissions import may_answer_feedback

REPLY_LIMIT = 2000
REFUSAL = "Only marketers and admins can reply to feedback."
GONE = "That feedback is no longer in Handoff."


def feedback_id(value: object) -> int:
    """The feedback id a button or modal carries."""
    try:
        return int(str(value))
    except ValueError:
        raise Refusal("That button is out of date.") from None


def _answerable(session: Session, fid: int, user: str, *, lock: bool) -> Feedback:
    if not may_answer_feedback(session, user):
        raise Refusal(REFUSAL)
    feedback = session.get(
        Feedback, fid, with_for_update=True if lock else None, populate_existing=True
    )
    if feedback is None:
        raise Refusal(GONE)
    if feedback.replied_by is not None:
        who = person(session, feedback.replied_by)
        name = escape(who.name) if who else "Someone"
        raise Refusal(f"{name} already answered this feedback.")
    return feedback


def reply_view(session: Session, fid: int, user: str) -> dict[str, Any]:
    """The reply modal, if `user` may answer and nobody has yet."""
    feedback = _answerable(session, fid, user, lock=False)
    return render_view("feedback_reply_modal", **reply_modal_context(session, feedback))


def reply_modal_context(session: Session, feedback: Feedback) -> dict[str, Any]:
    """What `templates/feedback_reply_modal.json.j2` is rendered with."""
    campaign = session.get(Campaign, feedback.campaign_id) if feedback.campaign_id else None
    lead = session.get(Lead, feedback.lead_id) if feedback.lead_id else None
    return {**post_context(feedback, campaign, lead), "limit": REPLY_LIMIT}


def save_reply(
    session: Session,
    *,
    settings: Settings,
    fid: int,
    user: str,
    text: str,
    now: datetime | None = None,
) -> Feedback:
    """Store the answer, DM it to the rep quoting their feedback, and mark the post answered.
    Raises Refusal (shown on the modal's field) when it cannot be saved."""
    text = text.strip()
    if not text:
        raise Refusal("Write an answer for the rep.")
    if len(text) > REPLY_LIMIT:
        raise Refusal(f"Keep the answer to {REPLY_LIMIT} characters (it has {len(text)}).")
    feedback = _answerable(session, fid, user, lock=True)
    feedback.reply_text, feedback.replied_by = text, user
    feedback.replied_at = now or utcnow()
    session.flush()
    campaign = session.get(Campaign, feedback.campaign_id) if feedback.campaign_id else None
    lead = session.get(Lead, feedback.lead_id) if feedback.lead_id else None
    dm = render_message("feedback_reply_dm", **post_context(feedback, campaign, lead))
    outbox.enqueue(
        session,
        "chat.postMessage",
        key=feedback_reply_key(feedback.id),
        channel=feedback.author_id,
        **dm.as_args(),
    )
    if settings.marketing_channel:
        refresh_post(session, settings, feedback)
    return feedback


__all__ = [
    "REPLY_LIMIT",
    "feedback_id",
    "reply_modal_context",
    "reply_view",
    "save_reply",
]
