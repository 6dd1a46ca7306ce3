"""Many people's time zones at once: one query for roster overrides and cached Slack zones,
and `SlackDirectory.timezone` (which may ask Slack) only for the rest."""

from __future__ import annotations

from collections.abc import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from bot.models import Person, SlackUser
from bot.people import SlackDirectory


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zones(directory: SlackDirectory, slack_ids: Iterable[str]) -> dict[str, ZoneInfo]:
    """Slack id -> zone, by the same rules as `SlackDirectory.timezone`.

    Call it with no database session open: on SQLite every session holds the write lock.
    """
    wanted = set(slack_ids)
    if not wanted:
        return {}
    now = directory.clock()
    found: dict[str, ZoneInfo] = {}
    with directory.db.session() as session:
        rows = session.execute(
            select(Person.slack_id, Person.tz_override, SlackUser.tz, SlackUser.fetched_at)
            .outerjoin(SlackUser, SlackUser.slack_id == Person.slack_id)
            .where(Person.slack_id.in_(list(wanted)))
        )
        for slack_id, override, slack_tz, fetched_at in rows:
            fresh = fetched_at is not None and now - fetched_at < directory.ttl
            zone = _zone(override) or (_zone(slack_tz) if fresh else None)
            if zone is not None:
                found[slack_id] = zone
    for slack_id in wanted - found.keys():
        found[slack_id] = directory.timezone(slack_id)
    return found
