"""What the app owes Slack, read from the outbox table: a "nothing else arrived" check looks
here as well as at the fake Slack, so a duplicate still queued (or retried) cannot slip past
a short sleep."""

from __future__ import annotations

from sqlalchemy import select

from bot.db import Database
from bot.models import OutboxMessage


def outbox_messages(
    db: Database, method: str | None = None, *, to: str | None = None
) -> list[OutboxMessage]:
    """Outbox rows, oldest first; `method` and `to` (a channel, or a user's id for a DM or a
    views.publish) narrow them."""
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if method is not None:
        query = query.where(OutboxMessage.method == method)
    with db.session() as session:
        rows = list(session.scalars(query))
    if to is not None:
        rows = [row for row in rows if to in (row.channel, row.args.get("user_id"))]
    return rows
