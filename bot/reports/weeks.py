"""ISO weeks, as the weekly report names them ("2026-W47": Monday to Sunday), read in
DEFAULT_TIMEZONE."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.outcomes.scorecard import Period

_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


class BadWeek(ValueError):
    """Not an ISO week like 2026-W47 (the message says why)."""


@dataclass(frozen=True, order=True)
class IsoWeek:
    year: int
    week: int

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        match = _WEEK.match(text.strip())
        if not match:
            raise BadWeek(f"{text!r} is not a week; write it like 2026-W47")
        year, week = int(match.group(1)), int(match.group(2))
        try:
            date.fromisocalendar(year, week, 1)
        except ValueError:
            raise BadWeek(f"{year} has no week {week}") from None
        return cls(year, week)

    @classmethod
    def of(cls, day: date) -> IsoWeek:
        year, week, _ = day.isocalendar()
        return cls(year, week)

    @classmethod
    def before(cls, now: datetime, zone: ZoneInfo) -> IsoWeek:
        """The last full week before the one `now` falls in (in `zone`)."""
        return cls.of(now.astimezone(zone).date() - timedelta(days=7))

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    def period(self, zone: ZoneInfo) -> Period:
        return Period.week_of(self.monday, zone)

    def __str__(self) -> str:
        return self.label
