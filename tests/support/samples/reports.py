"""Sample contexts for the weekly sync report."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.support.samples.registry import sample
from tests.support.samples.shared import hostile_campaign


def _content(hostile: str, campaigns: int) -> Any:
    from bot.outcomes.figures import Counts, Scorecard
    from bot.outcomes.scorecard import CampaignRef
    from bot.reports.content import CampaignCard, Quote, WeeklyContent
    from bot.reports.weeks import IsoWeek

    def card(n: int) -> Scorecard:
        return Scorecard(
            counts=Counts(leads=40 + n, hot=10, touched=30, contacted=20, meetings=5, won=n % 4),
            within_sla=20,
            median_first_touch=timedelta(minutes=5 + n),
            p90_first_touch=timedelta(hours=2),
            not_fit_reasons={"no_budget": 3, "spam": 1},
            feedback_tags={"pricing": 5, "praise": 2},
            feedback=9,
        )

    ref = hostile_campaign(hostile)
    cards = [
        CampaignCard(CampaignRef(n, f"{ref.code[:70]}{n}", hostile, "active"), card(n))
        for n in range(campaigns)
    ]
    quote = Quote(hostile, "UREP1", ["pricing"], hostile)
    return WeeklyContent(
        week=IsoWeek(2026, 47),
        zone=ZoneInfo("UTC"),
        sla=timedelta(minutes=15),
        team=card(99),
        campaigns=cards,
        fastest=cards[0] if cards else None,
        slowest=cards[-1] if cards else None,
        quotes=[quote] * 3,
        unanswered=12,
        unanswered_oldest=[quote] * 3,
    )


@sample("sync_report")
def sync_report_fifty_campaigns(hostile: str) -> dict[str, Any]:
    from bot.reports.render import report_context

    return report_context(_content(hostile, 50))


@sample("sync_report", user_text=False)
def sync_report_empty_week(hostile: str) -> dict[str, Any]:
    from bot.outcomes.figures import EMPTY
    from bot.reports.content import WeeklyContent
    from bot.reports.render import report_context
    from bot.reports.weeks import IsoWeek

    empty = WeeklyContent(IsoWeek(2026, 47), ZoneInfo("UTC"), timedelta(minutes=15), EMPTY, [])
    return report_context(empty)
