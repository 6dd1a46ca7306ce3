"""Sample contexts for campaign modals, announcements, lists, stats and help."""

from __future__ import annotations

from typing import Any

from bot.campaigns import CampaignForm, FormMetadata, ReadCount
from bot.ids import CampaignIds
from tests.support.samples.registry import sample
from tests.support.samples.shared import MOMENT, hostile_campaign

# -- campaigns ------------------------------------------------------------------------------


@sample("campaign_modal", "view")
def campaign_modal_edit(hostile: str) -> dict[str, Any]:
    from bot.campaigns.form import MAX_REPS, modal_context

    reps = tuple(f"U{n:08d}" for n in range(MAX_REPS))
    form = CampaignForm.from_campaign(hostile_campaign(hostile), reps)
    return modal_context(form, FormMetadata(7, "https://hooks.slack.com/commands/T1/2/x"))


@sample("campaign_modal", "view", user_text=False)
def campaign_modal_new(hostile: str) -> dict[str, Any]:
    from bot.campaigns.form import modal_context

    return modal_context(CampaignForm(), FormMetadata(None, None))


@sample("campaign_announcement")
def campaign_announcement_open(hostile: str) -> dict[str, Any]:
    return {
        "ids": CampaignIds,
        "campaign": hostile_campaign(hostile),
        "reads": ReadCount(3, 12),
        "ended": False,
        "reps": [f"U{n:08d}" for n in range(100)],  # the most a campaign may name
    }


@sample("campaign_announcement")
def campaign_announcement_ended(hostile: str) -> dict[str, Any]:
    campaign = hostile_campaign(
        hostile, status="ended", ended_at=MOMENT, landing_url=None, hot_score=None, starts_on=None
    )
    return {
        "ids": CampaignIds,
        "campaign": campaign,
        "reads": ReadCount(0, 0),
        "ended": True,
        "reps": [],
    }


@sample("campaign_unread")
def campaign_unread_many(hostile: str) -> dict[str, Any]:
    people = [f"U{n:08d}" for n in range(150)]
    return {"campaign": hostile_campaign(hostile), "people": people, "more": 40, "total": 190}


@sample("campaign_unread")
def campaign_unread_none(hostile: str) -> dict[str, Any]:
    return {"campaign": hostile_campaign(hostile), "people": [], "more": 0, "total": 0}


@sample("campaign_list")
def campaign_list_many(hostile: str) -> dict[str, Any]:
    return {"campaigns": [hostile_campaign(hostile)] * 60}


@sample("campaign_list", user_text=False)
def campaign_list_empty(hostile: str) -> dict[str, Any]:
    return {"campaigns": []}


@sample("campaign_stats")
def campaign_stats_ended(hostile: str) -> dict[str, Any]:
    from datetime import date, timedelta

    from bot.outcomes.figures import Counts, Scorecard
    from bot.outcomes.present import figure_rows

    card = Scorecard(
        counts=Counts(leads=12, hot=5, touched=4, contacted=4, meetings=2, won=1, hot_won=1),
        within_sla=3,
        median_first_touch=timedelta(minutes=14),
        p90_first_touch=timedelta(hours=3),
        not_fit_reasons={"no_budget": 2},
        feedback_tags={"pricing": 2},
        feedback=2,
    )
    team = Scorecard(
        counts=Counts(leads=40, hot=10, touched=30, contacted=20, meetings=5, won=4, hot_won=2),
        within_sla=20,
        median_first_touch=timedelta(minutes=9),
        p90_first_touch=timedelta(hours=1),
        not_fit_reasons={},
        feedback_tags={},
        feedback=0,
    )
    return {
        "campaign": hostile_campaign(hostile, status="ended"),
        "since": date(2025, 3, 1),
        "rows": figure_rows(card, team, sla=timedelta(minutes=15)),
        "reasons": [("No budget", 2), (hostile, 1)],
        "tags": {"pricing": 2},
        "feedback": 2,
        "latest": [],
    }


def _help(problem: str | None, hostile: str) -> dict[str, Any]:
    return {
        "problem": problem,
        "example": hostile,
        "typed": hostile,
        "code": hostile,
        "subcommand": "stats",
    }


for _problem in (None, "unknown_subcommand", "missing_code", "unknown_code"):
    sample("campaign_help", name=f"help_{_problem}")(
        lambda hostile, _p=_problem: _help(_p, hostile)
    )


for _kind in (
    "created",
    "updated",
    "ended",
    "already",
    "read_recorded",
    "read_not_counted",
    "read_already",
):
    sample("campaign_notice", name=f"notice_{_kind}")(
        lambda hostile, _k=_kind: {
            "kind": _k,
            "campaign": hostile_campaign(hostile),
            "channel_id": "CSALES",
            "permalink": "https://acme.slack.com/archives/CSALES/p1700000000000100",
            "linked": 2,
        }
    )

for _kind in ("refused", "read_unknown"):
    sample("campaign_notice", user_text=False, name=f"notice_{_kind}")(
        lambda hostile, _k=_kind: {"kind": _k}
    )
