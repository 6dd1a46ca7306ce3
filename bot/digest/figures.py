"""Yesterday's team figures for the digest's header: hot leads in, the share touched within
the SLA and the median time to first touch, for the team and per campaign.

Times to first touch are measured in the rep's working time, as the SLA clock is; with
`WORKING_HOURS=always` that is plain wall-clock time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.digest.query import TouchRow
from bot.workhours import WorkingHours

SHOWN_CAMPAIGNS = 8


@dataclass
class Figure:
    label: str | None  # the campaign's name; None for the whole team or for "no campaign"
    hot_in: int = 0
    within_sla: int = 0
    touch_times: list[timedelta] = field(default_factory=list)

    @property
    def share(self) -> int | None:
        """Per cent of the hot leads that were touched within the SLA."""
        return round(100 * self.within_sla / self.hot_in) if self.hot_in else None

    @property
    def median(self) -> timedelta | None:
        if not self.touch_times:
            return None
        ordered = sorted(self.touch_times)
        middle = len(ordered) // 2
        if len(ordered) % 2:
            return ordered[middle]
        return (ordered[middle - 1] + ordered[middle]) / 2


@dataclass
class TeamFigures:
    day: date
    team: Figure
    campaigns: list[Figure]
    more_campaigns: int = 0


def day_window(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants where `day` starts and ends in `zone` (23 or 25 hours across DST)."""
    start = datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone).astimezone(UTC)
    return start, end


def team_figures(
    rows: Iterable[TouchRow],
    *,
    day: date,
    sla: timedelta,
    hours: WorkingHours,
    zone_of: Callable[[str], ZoneInfo],
) -> TeamFigures:
    team = Figure(None)
    by_campaign: dict[str | None, Figure] = {}
    for row in rows:
        campaign = by_campaign.setdefault(row.campaign, Figure(row.campaign))
        waited = None
        if row.first_touched_at is not None:
            waited = hours.worked_between(
                row.received_at, row.first_touched_at, zone_of(row.owner_id)
            )
        for figure in (team, campaign):
            figure.hot_in += 1
            if waited is not None:
                figure.touch_times.append(waited)
                figure.within_sla += waited <= sla
    ordered = sorted(
        by_campaign.values(), key=lambda f: (-f.hot_in, f.label is None, f.label or "")
    )
    return TeamFigures(
        day=day,
        team=team,
        campaigns=ordered[:SHOWN_CAMPAIGNS],
        more_campaigns=max(0, len(ordered) - SHOWN_CAMPAIGNS),
    )
