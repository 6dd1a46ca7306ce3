"""The campaign modal: its fields, what a submission contains, and the checks that need no
database (the code's uniqueness is checked where the campaign is saved)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from bot import metadata as meta
from bot.ids import CampaignIds
from bot.messages import Trusted, render_view, safe_url
from bot.models import Campaign
from bot.validation import SLACK_USER_ID, normalise_code

MAX_NAME = 150
MAX_CODE = 80
MAX_URL = 2000
MAX_REPS = 100  # the pool a campaign names (its "Reps"); none: the whole team
MAX_TEXT = {"audience": 1000, "offer": 1000, "talking_points": 3000}
FIELD_BLOCKS = {
    "name": CampaignIds.NAME_BLOCK,
    "code": CampaignIds.CODE_BLOCK,
    "audience": CampaignIds.AUDIENCE_BLOCK,
    "offer": CampaignIds.OFFER_BLOCK,
    "talking_points": CampaignIds.TALKING_POINTS_BLOCK,
    "landing_url": CampaignIds.LANDING_URL_BLOCK,
    "starts_on": CampaignIds.STARTS_BLOCK,
    "ends_on": CampaignIds.ENDS_BLOCK,
    "hot_score": CampaignIds.HOT_SCORE_BLOCK,
}


def suggest_code(name: str) -> str:
    """A code made from the name: `Spring Webinar 2025!` -> `spring-webinar-2025`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:MAX_CODE].rstrip("-")


@dataclass
class CampaignForm:
    """What the marketer typed, as text; nothing here has been checked yet."""

    name: str = ""
    code: str = ""
    audience: str = ""
    offer: str = ""
    talking_points: str = ""
    landing_url: str = ""
    starts_on: str = ""
    ends_on: str = ""
    hot_score: str = ""
    # The campaign's round-robin pool, as Slack user ids (empty: every rep of the team). Who
    # may be in it is checked where the campaign is saved (the roster is in the database).
    reps: tuple[str, ...] = ()

    @classmethod
    def from_state(cls, values: dict[str, Any]) -> CampaignForm:
        """Read a view_submission's `view.state.values`."""
        form = cls()
        for name, block_id in FIELD_BLOCKS.items():
            element = (values.get(block_id) or {}).get(CampaignIds.INPUT) or {}
            raw = element.get("selected_date") if "date" in element.get("type", "") else None
            raw = raw if raw is not None else element.get("value")
            setattr(form, name, str(raw).strip() if raw is not None else "")
        element = (values.get(CampaignIds.REPS_BLOCK) or {}).get(CampaignIds.INPUT) or {}
        chosen = element.get("selected_users") or []
        if isinstance(chosen, list):
            form.reps = tuple(dict.fromkeys(str(user) for user in chosen))
        return form

    @classmethod
    def from_campaign(cls, campaign: Campaign, reps: tuple[str, ...] = ()) -> CampaignForm:
        return cls(
            name=campaign.name,
            code=campaign.code,
            audience=campaign.audience or "",
            offer=campaign.offer or "",
            talking_points=campaign.talking_points or "",
            landing_url=campaign.landing_url or "",
            starts_on=campaign.starts_on.isoformat() if campaign.starts_on else "",
            ends_on=campaign.ends_on.isoformat() if campaign.ends_on else "",
            hot_score="" if campaign.hot_score is None else str(campaign.hot_score),
            reps=reps,
        )

    @property
    def chosen_code(self) -> str:
        """The code typed, normalised; or, when left blank, the one made from the name."""
        return normalise_code(self.code) if self.code.strip() else suggest_code(self.name)

    def problems(self) -> dict[str, str]:
        """Inline errors by block_id for everything that can be judged from the form alone."""
        errors: dict[str, str] = {}
        if not self.name.strip():
            errors[CampaignIds.NAME_BLOCK] = "Give the campaign a name."
        elif len(self.name.strip()) > MAX_NAME:
            errors[CampaignIds.NAME_BLOCK] = f"Keep the name to {MAX_NAME} characters."
        code = self.chosen_code
        if not code and self.name.strip():
            errors[CampaignIds.CODE_BLOCK] = (
                "Type the code your leads carry in their campaign field, like spring-webinar."
            )
        elif len(code) > MAX_CODE:
            errors[CampaignIds.CODE_BLOCK] = f"Keep the code to {MAX_CODE} characters."
        for name, limit in MAX_TEXT.items():
            if len(getattr(self, name)) > limit:
                errors[FIELD_BLOCKS[name]] = f"Keep this to {limit} characters."
        if self.landing_url and (len(self.landing_url) > MAX_URL or not safe_url(self.landing_url)):
            errors[CampaignIds.LANDING_URL_BLOCK] = (
                "That is not a web address. Use a full link like https://example.com/spring."
            )
        starts, ends = _date(self.starts_on), _date(self.ends_on)
        if self.starts_on and starts is None:
            errors[CampaignIds.STARTS_BLOCK] = "Pick a start date from the calendar."
        if self.ends_on and ends is None:
            errors[CampaignIds.ENDS_BLOCK] = "Pick an end date from the calendar."
        elif starts and ends and ends < starts:
            errors[CampaignIds.ENDS_BLOCK] = "The end date is before the start date."
        if self.hot_score and _score(self.hot_score) is None:
            errors[CampaignIds.HOT_SCORE_BLOCK] = (
                "Use a whole number from 0 to 100, or leave it empty for the team's default."
            )
        if len(self.reps) > MAX_REPS:
            errors[CampaignIds.REPS_BLOCK] = (
                f"Pick at most {MAX_REPS} reps, or none for the whole team."
            )
        elif any(not SLACK_USER_ID.match(user) for user in self.reps):
            errors[CampaignIds.REPS_BLOCK] = "Pick the reps from the list of people."
        return errors

    def apply_to(self, campaign: Campaign) -> None:
        """Copy a form without problems onto the campaign."""
        campaign.name = self.name.strip()
        campaign.code = self.chosen_code
        campaign.audience = self.audience or None
        campaign.offer = self.offer or None
        campaign.talking_points = self.talking_points or None
        campaign.landing_url = self.landing_url or None
        campaign.starts_on = _date(self.starts_on)
        campaign.ends_on = _date(self.ends_on)
        campaign.hot_score = _score(self.hot_score)


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _score(text: str) -> int | None:
    try:
        value = int(text)
    except ValueError:
        return None
    return value if 0 <= value <= 100 else None


@dataclass(frozen=True)
class FormMetadata:
    """What the modal carries in `private_metadata`: the campaign being edited (None for a new
    one) and the slash command's response_url, for the marketer's confirmation."""

    campaign_id: int | None = None
    response_url: str | None = None

    def dump(self) -> str:
        return meta.dump(campaign_id=self.campaign_id, response_url=self.response_url)

    @classmethod
    def load(cls, text: str | None) -> FormMetadata:
        """Lenient: an unreadable one is a new campaign with no confirmation."""
        try:
            data = meta.load(text or "{}")
        except meta.BadMetadata:
            return cls()
        campaign_id = data.get("campaign_id")
        url = meta.optional_str(data, "response_url")
        return cls(
            campaign_id if isinstance(campaign_id, int) else None,
            url if url and url.startswith(("https://", "http://")) else None,
        )


def _typed(text: str, limit: int | None = None) -> Trusted | None:
    """What the person typed, put back into an input as it was (cut to the input's limit).

    Input values are never read as mrkdwn, so they cannot ping or link anyone, and Slack
    returns them on submit exactly as shown: Slack-escaping them would turn `&` into `&amp;`
    a little more with every edit. The engine still JSON-escapes them, so structure is safe.
    """
    return Trusted(text[:limit]) if text else None


LIMITS = {
    "name": MAX_NAME,
    "code": MAX_CODE,
    "landing_url": MAX_URL,
    "reps": MAX_REPS,
    **MAX_TEXT,
}


def modal_context(form: CampaignForm, metadata: FormMetadata) -> dict[str, Any]:
    """The context of templates/campaign_modal.json.j2."""
    values = {
        f.name: _typed(getattr(form, f.name), LIMITS.get(f.name))
        for f in fields(form)
        if f.name in FIELD_BLOCKS
    }
    return {
        "ids": CampaignIds,
        "values": values,
        "reps": [user for user in form.reps if SLACK_USER_ID.match(user)],
        "editing": metadata.campaign_id is not None,
        "metadata": Trusted(metadata.dump()),
        "limits": LIMITS,
    }


def modal_view(form: CampaignForm, metadata: FormMetadata) -> dict[str, Any]:
    """The create/edit modal, prefilled with `form`."""
    return render_view("campaign_modal", **modal_context(form, metadata))
