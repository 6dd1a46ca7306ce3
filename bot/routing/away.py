"""Away and back: `/leads away [until DATE | for 3d]`, `/leads back`, and the Home toggle.

A rep who is away gets no round-robin leads (the leads they already hold stay theirs).
`set_away` and `set_back` are the service functions every surface calls."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.durations import parse_duration
from bot.errors import Refusal
from bot.models import Person
from bot.people import person
from bot.routing import is_away

USAGE = (
    "Usage: `/leads away` (until `/leads back`), `/leads away until 2026-12-01` "
    "(back at the start of that day) or `/leads away for 3d` (also `12h`, `90m`)."
)


def parse_away(text: str, *, now: datetime, zone: ZoneInfo) -> datetime | None:
    """When an away given as "", "until YYYY-MM-DD" or "for DURATION" ends (None: until
    `/leads back`); a Refusal with the usage for anything else or a time already past."""
    words = text.split()
    if not words:
        return None
    if len(words) == 2 and words[0].lower() == "until":
        try:
            day = date.fromisoformat(words[1])
        except ValueError:
            raise Refusal(f"`{words[1]}` is not a date like 2026-12-01. {USAGE}") from None
        until = datetime.combine(day, time.min, tzinfo=zone)
    elif len(words) == 2 and words[0].lower() == "for":
        try:
            length = parse_duration(words[1])
        except ValueError:
            raise Refusal(f"`{words[1]}` is not a length like 3d or 12h. {USAGE}") from None
        until = now + length
    else:
        raise Refusal(USAGE)
    if until <= now:
        raise Refusal(f"That is already past. {USAGE}")
    return until


def lead_taker(session: Session, slack_id: str) -> Person:
    someone = person(session, slack_id)
    if someone is None or someone.role not in ("rep", "manager"):
        raise Refusal("Away and back are for reps (and managers who take leads) on the roster.")
    return someone


def set_away(session: Session, slack_id: str, *, now: datetime, until: datetime | None) -> Person:
    """Mark `slack_id` away from now until `until` (None: until they are back)."""
    someone = lead_taker(session, slack_id)
    someone.away_since, someone.away_until = now, until
    return someone


def set_back(session: Session, slack_id: str, *, now: datetime) -> Person:
    """`slack_id` takes round-robin leads again (a no-op when they were not away)."""
    someone = lead_taker(session, slack_id)
    someone.away_since = someone.away_until = None
    return someone


def toggle_away(session: Session, slack_id: str, *, now: datetime) -> bool:
    """The Home tab's switch: away (until back) if they are not, back if they are. Returns
    whether they are away now."""
    someone = lead_taker(session, slack_id)
    if is_away(someone, now):
        set_back(session, slack_id, now=now)
        return False
    set_away(session, slack_id, now=now, until=None)
    return True
