"""Working hours: when the SLA clock runs and when people may be pinged.

`WORKING_HOURS` is `always` or days and a time window, e.g. `Mon-Fri 08:00-18:00`,
`Mon,Wed,Fri 09:00-17:30`. The window is read in each person's own time zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_SPEC = re.compile(r"^\s*([A-Za-z,\- ]+?)\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$")


def _parse_days(text: str) -> frozenset[int]:
    days: set[int] = set()
    for part in text.replace(" ", "").lower().split(","):
        if "-" in part:
            first, last = part.split("-", 1)
            start, end = DAYS.index(first[:3]), DAYS.index(last[:3])
            span = range(start, end + 1) if start <= end else [*range(start, 7), *range(end + 1)]
            days.update(span)
        else:
            days.add(DAYS.index(part[:3]))
    return frozenset(days)


def _parse_time(text: str) -> time:
    hour, minute = (int(x) for x in text.split(":"))
    if hour == 24 and minute == 0:
        return time.max
    return time(hour, minute)


@dataclass(frozen=True)
class WorkingHours:
    days: frozenset[int]
    start: time
    end: time
    always: bool = False

    @classmethod
    def parse(cls, text: str) -> WorkingHours:
        if text.strip().lower() in {"always", "24/7", "off"}:
            return cls(frozenset(range(7)), time.min, time.max, always=True)
        match = _SPEC.match(text)
        if not match:
            raise ValueError(
                f"{text!r} is not working hours; use like Mon-Fri 08:00-18:00, or always"
            )
        try:
            days = _parse_days(match.group(1))
            start, end = _parse_time(match.group(2)), _parse_time(match.group(3))
        except ValueError:
            raise ValueError(
                f"{text!r} is not working hours; days are Mon..Sun and times HH:MM"
            ) from None
        if not days or start >= end:
            raise ValueError(f"{text!r} is not working hours: the day must start before it ends")
        return cls(days, start, end)

    def _window(self, day: datetime) -> tuple[datetime, datetime] | None:
        """The working window (aware, in the day's zone) of the local date of `day`."""
        if day.weekday() not in self.days:
            return None
        tz = day.tzinfo
        start = datetime.combine(day.date(), self.start, tzinfo=tz)
        end = datetime.combine(day.date(), self.end, tzinfo=tz)
        # Normalise across DST gaps: go through UTC and back.
        start = start.astimezone(UTC).astimezone(tz)
        end = end.astimezone(UTC).astimezone(tz)
        return start, end

    def is_working(self, moment: datetime, tz: ZoneInfo) -> bool:
        if self.always:
            return True
        local = moment.astimezone(tz)
        window = self._window(local)
        return window is not None and window[0] <= local < window[1]

    def add(self, moment: datetime, amount: timedelta, tz: ZoneInfo) -> datetime:
        """The instant when `amount` of working time has passed after `moment` (UTC result)."""
        if self.always:
            return (moment + amount).astimezone(UTC)
        remaining = amount
        local = moment.astimezone(tz)
        for _ in range(800):  # at most ~2 years of calendar days
            window = self._window(local)
            if window is not None and local < window[1]:
                begin = max(local, window[0])
                available = window[1] - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(UTC)
                remaining -= available
            next_day = (local + timedelta(days=1)).date()
            local = datetime.combine(next_day, time.min, tzinfo=tz)
        raise ValueError("working hours never add up to the requested time")

    def worked_between(self, start: datetime, end: datetime, tz: ZoneInfo) -> timedelta:
        """How much working time lies between two instants."""
        if end <= start:
            return timedelta(0)
        if self.always:
            return end - start
        total = timedelta(0)
        local = start.astimezone(tz)
        stop = end.astimezone(tz)
        while local < stop:
            window = self._window(local)
            if window is not None:
                begin, finish = max(local, window[0]), min(stop, window[1])
                if finish > begin:
                    total += finish - begin
            local = datetime.combine((local + timedelta(days=1)).date(), time.min, tzinfo=tz)
        return total

    def next_start(self, moment: datetime, tz: ZoneInfo) -> datetime:
        """The next instant at or after `moment` that lies inside working hours."""
        return self.add(moment, timedelta(0), tz)
