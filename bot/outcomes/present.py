"""A scorecard as words: each figure with the team's baseline for the same period beside it
and whether the campaign (or rep) reads better or worse than usual. Used by `/campaign
stats`, the weekly sync report and the App Home boards, so they all say the same thing.

Shares are compared in whole per cents and times in whole minutes; a figure equal to the
baseline, or with nothing to compare, gets no verdict."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.durations import format_duration
from bot.leads.render import reason_label
from bot.outcomes.figures import Scorecard

BETTER, WORSE = "better", "worse"


@dataclass(frozen=True)
class FigureRow:
    label: str
    value: str  # e.g. "4 (57%)"
    team: str | None = None  # the baseline, e.g. "50%"; None when no baseline is shown
    verdict: str | None = None  # BETTER, WORSE or None


def percent(share: float | None) -> str:
    return "–" if share is None else f"{round(100 * share)}%"


def duration(value: timedelta | None) -> str:
    return "–" if value is None else format_duration(value)


def _verdict(
    mine: float | None, usual: float | None, *, lower_is_better: bool = False
) -> str | None:
    if mine is None or usual is None or mine == usual:
        return None
    better = mine < usual if lower_is_better else mine > usual
    return BETTER if better else WORSE


def _share_row(
    label: str, count: int, whole: int, team_count: int, team_whole: int, with_team: bool
) -> FigureRow:
    mine = round(100 * count / whole) if whole else None
    usual = round(100 * team_count / team_whole) if team_whole else None
    value = f"{count} ({mine}%)" if mine is not None else str(count)
    if not with_team:
        return FigureRow(label, value)
    return FigureRow(label, value, "–" if usual is None else f"{usual}%", _verdict(mine, usual))


def _minutes(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 60)


def figure_rows(card: Scorecard, team: Scorecard | None, *, sla: timedelta) -> list[FigureRow]:
    """The scorecard's figures in reading order; with `team`, each beside the baseline.
    Nine rows, so they fit one section's ten fields."""
    base = team or card
    shown = team is not None
    leads, team_leads = card.leads, base.leads
    rows = [
        FigureRow("Leads", str(leads), f"{team_leads} in all" if shown else None),
        _share_row("Hot leads", card.hot, leads, base.hot, team_leads, shown),
        _share_row(
            f"Touched within {format_duration(sla)}",
            card.within_sla,
            leads,
            base.within_sla,
            team_leads,
            shown,
        ),
    ]
    touch = (
        f"median {duration(card.median_first_touch)} · 90% within {duration(card.p90_first_touch)}"
    )
    if card.median_first_touch is None:
        touch = "no touches yet"
    rows.append(
        FigureRow(
            "Time to first touch",
            touch,
            f"median {duration(base.median_first_touch)}" if shown else None,
            _verdict(
                _minutes(card.median_first_touch),
                _minutes(base.median_first_touch),
                lower_is_better=True,
            )
            if shown
            else None,
        )
    )
    for label, mine, usual in (
        ("Contacted", card.contacted, base.contacted),
        ("Meetings", card.meetings, base.meetings),
        ("Opportunities", card.opportunities, base.opportunities),
        ("Won (of leads)", card.won, base.won),
    ):
        rows.append(_share_row(label, mine, leads, usual, team_leads, shown))
    rows.append(
        _share_row(
            "Won (of hot leads)",
            card.counts.hot_won,
            card.hot,
            base.counts.hot_won,
            base.hot,
            shown,
        )
    )
    return rows


def reason_rows(card: Scorecard) -> list[tuple[str, int]]:
    """Not-a-fit reasons as (label, leads), most first."""
    return [(reason_label(code) or code, n) for code, n in card.not_fit_reasons.items()]


def funnel(card: Scorecard) -> str:
    """One line: leads → touched within the SLA → contacted → won."""
    return (
        f"{card.leads} leads → {card.within_sla} touched within the SLA → "
        f"{card.contacted} contacted → {card.won} won"
    )


__all__ = [
    "BETTER",
    "WORSE",
    "FigureRow",
    "duration",
    "figure_rows",
    "funnel",
    "percent",
    "reason_rows",
]
