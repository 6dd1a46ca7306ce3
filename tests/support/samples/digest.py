"""Sample contexts for the daily digest and its nudges."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.support.samples.registry import sample
from tests.support.samples.shared import MOMENT

# -- the daily digest -----------------------------------------------------------------------


def _digest(hostile: str, reps: int, leads: int) -> Any:
    from zoneinfo import ZoneInfo

    from bot.digest.build import DigestContent
    from bot.digest.figures import Figure, TeamFigures
    from bot.digest.query import RepStale, StaleLead

    def lead(n: int) -> StaleLead:
        return StaleLead(
            n,
            hostile,
            hostile,
            90,
            n % 2 == 0,
            MOMENT - timedelta(days=3),
            hostile,
            "https://slack.com/app_redirect?channel=DREP1&message_ts=1700000000.000100",
        )

    rows = [
        RepStale(
            f"UREP{r}", hostile, leads, leads // 2, MOMENT, [lead(r * 100 + n) for n in range(10)]
        )
        for r in range(reps)
    ]
    figure = Figure(hostile, 4, 3, [timedelta(minutes=5), timedelta(minutes=40)])
    team = TeamFigures(MOMENT.date(), Figure(None, 9, 5, [timedelta(minutes=7)]), [figure] * 8, 3)
    return DigestContent(
        "UMGR1", hostile, ZoneInfo("America/New_York"), MOMENT.date(), MOMENT, rows, team, {}
    )


@sample("digest")
def digest_cut_at_fifty_blocks(hostile: str) -> dict[str, Any]:
    from bot.config import Settings
    from bot.digest.build import digest_context

    return digest_context(_digest(hostile, reps=30, leads=25), Settings())


@sample("digest")
def digest_on_demand(hostile: str) -> dict[str, Any]:
    from bot.config import Settings
    from bot.digest.build import digest_context

    return digest_context(_digest(hostile, reps=2, leads=3), Settings(), on_demand=True)


@sample("digest", user_text=False)
def digest_all_clear(hostile: str) -> dict[str, Any]:
    from bot.config import Settings
    from bot.digest.build import digest_context

    return digest_context(_digest(hostile, reps=0, leads=0), Settings())


@sample("digest_nudge")
def digest_nudge(hostile: str) -> dict[str, Any]:
    from bot.digest.actions import nudge_context

    rep = _digest(hostile, reps=1, leads=60).reps[0]
    return nudge_context("UMGR1", hostile, rep, MOMENT)


@sample("digest_nudged", name="sent")
def digest_nudged_sent(hostile: str) -> dict[str, Any]:
    return {"outcome": "sent", "rep": "UREP1", "rep_name": hostile, "count": 3}


@sample("digest_nudged", name="repeat")
def digest_nudged_repeat(hostile: str) -> dict[str, Any]:
    return {"outcome": "repeat", "rep": "UREP1", "rep_name": hostile, "count": 3}


@sample("digest_nudged", name="none")
def digest_nudged_none(hostile: str) -> dict[str, Any]:
    return {"outcome": "none", "rep": "UREP1", "rep_name": hostile, "count": 0}
