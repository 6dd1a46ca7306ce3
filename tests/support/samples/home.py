"""Sample contexts for the Home tab."""

from __future__ import annotations

from typing import Any

from bot.models import Person
from tests.support.samples.registry import sample
from tests.support.samples.shared import MOMENT, hostile_campaign

# -- Home tab -------------------------------------------------------------------------------


@sample("home", "view")
def home_with_leads(hostile: str) -> dict[str, Any]:
    from bot.home import HomeLead

    return {
        "person": Person(slack_id="UREP1", name=hostile, role="rep"),
        "takes_leads": True,
        "away": True,
        "away_until": MOMENT,
        "away_toggle": "routing_away_toggle",
        "leads": [HomeLead(hostile, hostile, hostile, "12m", "new")] * 12,
        "more_leads": True,
        "campaigns": [hostile_campaign(hostile)] * 12,
        "more_campaigns": True,
    }


@sample("home", "view", user_text=False)
def home_stranger(hostile: str) -> dict[str, Any]:
    return {
        "person": None,
        "takes_leads": False,
        "away": False,
        "away_until": None,
        "away_toggle": "routing_away_toggle",
        "leads": [],
        "more_leads": False,
        "campaigns": [],
        "more_campaigns": False,
    }
