"""Shared helpers for the digest tests (this module holds no tests of its own)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.config import Settings
from bot.db import Database
from bot.models import Campaign, Digest, Lead, OutboxMessage
from bot.people import import_roster
from bot.services import Handoff
from bot.workhours import WorkingHours
from tests.support.team import seed_team

# Maria (UMGR1, New York) manages Rita (UREP1, New York) and Ravi (UREP2, Kolkata);
# Kiran (UMGR2, Kolkata) manages Kavya (UREP4, Kolkata). Noah (UREP3) has no manager.
MORE_PEOPLE = """slack_id,email,name,role,manager,tz
UMGR2,kiran@example.com,Kiran Manager,manager,,Asia/Kolkata
UREP4,kavya@example.com,Kavya Rep,rep,UMGR2,Asia/Kolkata
"""
OFFICE = WorkingHours.parse("Mon-Fri 08:00-18:00")
_ids = itertools.count(1)


def seed_people(db: Database) -> None:
    seed_team(db)
    with db.session() as session:
        import_roster(session, MORE_PEOPLE)


def office_settings(settings: Settings, **changes: Any) -> Settings:
    return replace(settings, working_hours=OFFICE, **changes)


@contextmanager
def handoff_for(settings: Settings, db: Database) -> Iterator[Handoff]:
    """A Handoff on `db` that never calls Slack (time zones come from the roster)."""
    handoff = Handoff.build(settings, db=db)
    handoff.directory.client = None
    try:
        yield handoff
    finally:
        handoff.dispatcher.stop()


def campaign(db: Database, name: str, code: str | None = None) -> int:
    with db.session() as session:
        row = Campaign(code=code or f"c{next(_ids)}", name=name)
        session.add(row)
        session.flush()
        return row.id


def add_lead(db: Database, owner: str | None, received_at: datetime, **fields: Any) -> int:
    n = next(_ids)
    fields.setdefault("name", f"Lead {n}")
    with db.session() as session:
        lead = Lead(external_id=f"d-{n}", owner_id=owner, received_at=received_at, **fields)
        session.add(lead)
        session.flush()
        return lead.id


def stale(db: Database, owner: str, now: datetime, days: float = 3, **fields: Any) -> int:
    return add_lead(db, owner, now - timedelta(days=days), **fields)


def digest_posts(db: Database) -> list[OutboxMessage]:
    with db.session() as session:
        return list(
            session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.key.like("digest:%"))
                .order_by(OutboxMessage.id)
            )
        )


def digest_rows(db: Database) -> list[tuple[str, str]]:
    with db.session() as session:
        rows = session.execute(select(Digest.manager_id, Digest.local_date).order_by(Digest.id))
        return [(manager, day.isoformat()) for manager, day in rows]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)
