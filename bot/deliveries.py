"""Events API deliveries: Slack retries an event up to 3 times; each is handled once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.exc import IntegrityError

from bot.db import Database
from bot.models import SlackEvent, utcnow


def first_delivery(db: Database, event_id: str) -> bool:
    """True the first time `event_id` is seen (recorded atomically), False for a retry."""
    try:
        with db.session() as session:
            session.add(SlackEvent(event_id=event_id))
    except IntegrityError:
        return False
    return True


def record_signatures(db: Database, keys: list[str]) -> None:
    """Record seen request signatures (bot.replays) in one transaction; ones already recorded
    (a replay that raced its original) are skipped."""
    if not keys:
        return
    try:
        with db.session() as session:
            known = set(
                session.scalars(select(SlackEvent.event_id).where(SlackEvent.event_id.in_(keys)))
            )
            session.add_all(SlackEvent(event_id=k) for k in dict.fromkeys(keys) if k not in known)
    except IntegrityError:  # another process recorded one meanwhile: one at a time, then
        for key in keys:
            first_delivery(db, key)


def forget_old_signatures(db: Database, prefix: str, older_than: timedelta) -> int:
    """Drop the seen-signature rows (`prefix`...) older than `older_than` (see bot.replays)."""
    with db.session() as session:
        result = session.execute(
            delete(SlackEvent).where(
                SlackEvent.event_id.startswith(prefix, autoescape=True),
                SlackEvent.received_at < utcnow() - older_than,
            )
        )
        assert isinstance(result, CursorResult)  # a DELETE always has a cursor result
        return result.rowcount or 0
