"""Sample contexts for the Home tab."""

from __future__ import annotations

from typing import Any

from bot.models import Person
from tests.support.samples.registry import sample
from tests.support.samples.shared import hostile_campaign

# -- Home tab -------------------------------------------------------------------------------


@sample("home", "view")
def home_with_leads(hostile: str) -> dict[str, Any]:
    from bot.home import HomeLead

    return {
        "person": Person(slack_id="UREP1", name=hostile, role="rep"),
        "leads": [HomeLead(hostile, hostile, hostile, "12m", "new")] * 12,
        "more_leads": True,
        "campaigns": [hostile_campaign(hostile)] * 12,
        "more_campaigns": True,
    }


@sample("home", "view", user_text=False)
def home_stranger(hostile: str) -> dict[str, Any]:
    return {
        "person": None,
        "leads": [],
        "more_leads": False,
        "campaigns": [],
        "more_campaigns": False,
    }
