"""The weekly report as a Slack message (templates/sync_report.json.j2) and as its chart."""

from __future__ import annotations

from typing import Any

from bot.durations import format_duration
from bot.messages import Message, render_message
from bot.outcomes.figures import Scorecard
from bot.outcomes.present import duration, percent, reason_rows
from bot.reports.chart import ChartRow, render_chart
from bot.reports.content import CampaignCard, WeeklyContent

SHOWN_CAMPAIGNS = 20  # sections in the message; the rest are summed up in one line


def _n(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def _funnel(card: Scorecard) -> str:
    return (
        f"{card.contacted} contacted → {_n(card.meetings, 'meeting')} → "
        f"{_n(card.opportunities, 'opportunity', 'opportunities')} → {card.won} won"
    )


def _versus(mine: float | None, usual: float | None) -> str:
    return f"{percent(mine)} (team {percent(usual)})"


def campaign_line(card: Scorecard, team: Scorecard, content: WeeklyContent) -> str:
    """One campaign's scorecard in a line, each share beside the team's."""
    sla = format_duration(content.sla)
    touch = "no touches yet"
    if card.median_first_touch is not None:
        touch = f"median first touch {duration(card.median_first_touch)}"
    return (
        f"{_n(card.leads, 'lead')}, {card.hot} hot · touched within {sla}: "
        f"{_versus(card.within_sla_share, team.within_sla_share)} · {touch} "
        f"(team {duration(team.median_first_touch)}) · {_funnel(card)} · conversion "
        f"{_versus(card.conversion, team.conversion)}"
    )


def team_line(team: Scorecard, content: WeeklyContent) -> str:
    """The team's week in a line (the baseline every campaign line compares with)."""
    touch = "no touches yet"
    if team.median_first_touch is not None:
        touch = (
            f"first touch median {duration(team.median_first_touch)}, "
            f"90% within {duration(team.p90_first_touch)}"
        )
    return (
        f"{_n(team.leads, 'lead')}, {team.hot} hot · touched within "
        f"{format_duration(content.sla)}: {percent(team.within_sla_share)} · {touch} · "
        f"{_funnel(team)} · conversion {percent(team.conversion)} "
        f"(hot leads {percent(team.hot_conversion)})"
    )


def title(content: WeeklyContent) -> str:
    week = content.week
    return f"Weekly sync {week.label} · {week.monday:%d %b} to {week.sunday:%d %b %Y}"


def report_context(content: WeeklyContent) -> dict[str, Any]:
    team = content.team
    shown = content.campaigns[:SHOWN_CAMPAIGNS]

    def entry(item: CampaignCard | None) -> dict[str, Any] | None:
        if item is None:
            return None
        return {"name": item.name, "median": duration(item.card.median_first_touch)}

    return {
        "title": title(content),
        "week": content.week.label,
        "team": team,
        "team_line": team_line(team, content),
        "campaigns": [
            {
                "name": item.name,
                "code": item.ref.code if item.ref else None,
                "line": campaign_line(item.card, team, content),
            }
            for item in shown
        ],
        "more": len(content.campaigns) - len(shown),
        "fastest": entry(content.fastest),
        "slowest": entry(content.slowest),
        "tags": content.top_tags,
        "quotes": content.quotes,
        "unanswered": content.unanswered,
        "unanswered_oldest": content.unanswered_oldest,
        "reasons": reason_rows(team),
        "charted": bool(content.campaigns),
    }


def report_message(content: WeeklyContent) -> Message:
    return render_message("sync_report", **report_context(content))


def chart_rows(content: WeeklyContent) -> list[ChartRow]:
    return [
        ChartRow(
            name=item.name,
            leads=item.card.leads,
            within_sla=item.card.within_sla,
            contacted=item.card.contacted,
            won=item.card.won,
            median_first_touch=item.card.median_first_touch,
        )
        for item in content.campaigns
    ]


def report_chart(content: WeeklyContent) -> bytes | None:
    """The chart's PNG; None for a week with no leads."""
    rows = chart_rows(content)
    if not rows:
        return None
    return render_chart(rows, title=title(content), sla=content.sla)
