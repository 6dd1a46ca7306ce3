"""The "Not a fit" and "Reassign" modals: checked before they open, read back on submit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from bot import metadata
from bot.errors import Refusal
from bot.ids import LeadIds
from bot.leads.actions import assignable, lead_to_act_on
from bot.leads.render import NOT_FIT_REASONS
from bot.lookups import campaign_of
from bot.messages import render_view
from bot.models import Campaign, Lead, Person
from bot.states import OPEN_STATUSES, LeadStatus

NOTE_LIMIT = 1000
OUT_OF_DATE_FORM = "That form is out of date; open it again from the alert."


@dataclass(frozen=True)
class Origin:
    """Which lead a modal is about, and the /leads list to refresh afterwards (if any)."""

    lead_id: int
    list_url: str | None = None

    def dump(self) -> str:
        return metadata.dump(lead=self.lead_id, list=self.list_url)

    @classmethod
    def load(cls, text: str | None) -> Origin:
        try:
            data = metadata.load(text)
            return cls(metadata.required_int(data, "lead"), metadata.optional_str(data, "list"))
        except metadata.BadMetadata:
            raise Refusal(OUT_OF_DATE_FORM) from None


def not_fit_view(session: Session, origin: Origin, actor: str) -> dict[str, Any]:
    lead = lead_to_act_on(session, origin.lead_id, actor, lock=False)
    if lead.status not in (*OPEN_STATUSES, LeadStatus.CONTACTED):
        raise Refusal("This lead is already closed.")
    return render_view(
        "lead_not_fit_modal", **not_fit_context(lead, campaign_of(session, lead), origin)
    )


def reassign_view(session: Session, origin: Origin, actor: str) -> dict[str, Any]:
    lead = lead_to_act_on(session, origin.lead_id, actor, lock=False)
    if lead.status not in OPEN_STATUSES:
        raise Refusal("This lead is already closed, so there is nothing to hand over.")
    reps = assignable(session, lead)
    if not reps:
        raise Refusal("There is nobody else on the Handoff roster to give this lead to.")
    return render_view("lead_reassign_modal", **reassign_context(lead, reps, origin))


def not_fit_context(lead: Lead, campaign: Campaign | None, origin: Origin) -> dict[str, Any]:
    """What `templates/lead_not_fit_modal.json.j2` is rendered with."""
    return {
        "ids": LeadIds,
        "lead": lead,
        "campaign": campaign,
        "reasons": NOT_FIT_REASONS,
        "note_limit": NOTE_LIMIT,
        "metadata": origin.dump(),
    }


def reassign_context(lead: Lead, reps: list[Person], origin: Origin) -> dict[str, Any]:
    """What `templates/lead_reassign_modal.json.j2` is rendered with."""
    return {"ids": LeadIds, "lead": lead, "reps": reps, "metadata": origin.dump()}


def selected(values: dict[str, Any], block: str, action: str) -> str | None:
    """The value of a static_select in a submitted view's state, or None."""
    option = values.get(block, {}).get(action, {}).get("selected_option") or {}
    return option.get("value")


def typed(values: dict[str, Any], block: str, action: str) -> str | None:
    """The text of a plain_text_input in a submitted view's state, trimmed, or None."""
    value = values.get(block, {}).get(action, {}).get("value") or ""
    return value.strip()[:NOTE_LIMIT] or None
