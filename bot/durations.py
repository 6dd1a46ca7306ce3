"""Parsing of the human-friendly durations and times used in settings (`90s`, `15m`, `2h`, `1d`)."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> timedelta:
    """`90s`, `15m`, `2h`, `1d` (or a plain number of seconds) as a timedelta."""
    raw = text.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", raw):
        return timedelta(seconds=float(raw))
    match = _DURATION.match(raw)
    if not match:
        raise ValueError(
            f"{text!r} is not a duration; use a number with s, m, h or d, like 90s or 15m"
        )
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2).lower()])


def format_duration(delta: timedelta) -> str:
    """A short, human rendering: `45s`, `12m`, `3h 5m`, `2d 4h`."""
    seconds = max(0, int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m"
    return f"{secs}s"
