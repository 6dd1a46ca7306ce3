"""The "Feedback" button on a lead alert: a one-line modal with the lead and its campaign
filled in. Only the lead's owner, their manager or an admin may use it (checked when the
modal opens and again when it is submitted)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from bot import metadata
from bot.config import Settings
from bot.errors import Refusal
from bot.feedback.service import Sent, submit_lead_feedback
from bot.feedback.text import MAX_LENGTH, TAGS
from bot.ids import FeedbackIds
from bot.leads.actions import lead_to_act_on
from bot.leads.modals import OUT_OF_DATE_FORM
from bot.lookups import campaign_of
from bot.messages import render_view
from bot.models import Campaign, Lead


@dataclass(frozen=True)
class LeadOrigin:
    """The modal's private_metadata: which lead, and where to confirm (the alert's
    response_url)."""

    lead_id: int
    response_url: str | None = None

    def dump(self) -> str:
        return metadata.dump(lead=self.lead_id, url=self.response_url)

    @classmethod
    def load(cls, text: str | None) -> LeadOrigin:
        try:
            data = metadata.load(text)
            return cls(metadata.required_int(data, "lead"), metadata.optional_str(data, "url"))
        except metadata.BadMetadata:
            raise Refusal(OUT_OF_DATE_FORM) from None


def lead_modal_context(lead: Lead, campaign: Campaign | None, origin: LeadOrigin) -> dict[str, Any]:
    """What `templates/feedback_lead_modal.json.j2` is rendered with."""
    return {
        "ids": FeedbackIds,
        "lead": lead,
        "campaign": campaign,
        "limit": MAX_LENGTH,
        "tags": TAGS,
        "metadata": origin.dump(),
    }


def lead_view(session: Session, origin: LeadOrigin, actor: str) -> dict[str, Any]:
    lead = lead_to_act_on(session, origin.lead_id, actor, lock=False)
    campaign = campaign_of(session, lead)
    return render_view("feedback_lead_modal", **lead_modal_context(lead, campaign, origin))


def text_problem(text: str) -> str | None:
    """What is wrong with the modal's text, if anything (no database needed)."""
    if not text:
        return "Write one line of what the customer said."
    if len(text) > MAX_LENGTH:
        return f"Keep it to {MAX_LENGTH} characters (it has {len(text)})."
    return None


def send_lead_feedback(
    session: Session, *, settings: Settings, origin: LeadOrigin, actor: str, text: str
) -> Sent:
    """Store and post the modal's feedback; Refusal if the actor may no longer act."""
    lead = lead_to_act_on(session, origin.lead_id, actor, lock=False)
    return submit_lead_feedback(session, settings=settings, author_id=actor, lead=lead, text=text)
