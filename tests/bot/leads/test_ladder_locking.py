"""On PostgreSQL a sweep claims due leads with FOR UPDATE SKIP LOCKED: a lead another
process's sweep holds is skipped, not waited for and never pinged twice. (The unique
(lead, step, cycle) ping row is the second guard: tests/bot/leads/test_ladder_sweep.py
::test_a_ping_already_recorded_is_not_sent_again.)"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.db import Database
from bot.leads import ladder
from bot.models import Lead, OutboxMessage, Ping
from bot.people import SlackDirectory
from tests.bot.leads.test_ladder_sweep import T0, alerted
from tests.support.databases import postgres_database, waiting_on_a_lock
from tests.support.team import seed_team

DUE = T0 + timedelta(minutes=16)  # the reminder (15 min SLA) is due


@pytest.fixture
def pg() -> Iterator[Database]:
    with postgres_database() as url:
        database = Database(url)
        database.upgrade()
        seed_team(database)
        yield database
        database.dispose()


def counts(db: Database, lead_id: int) -> tuple[int, int]:
    """(ping rows, reminder outbox rows) for the lead."""
    with db.session() as session:
        pings = session.scalar(
            select(func.count()).select_from(Ping).where(Ping.lead_id == lead_id)
        )
        reminders = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.key.like(f"lead:{lead_id}:reminder:%"))
        )
    return pings or 0, reminders or 0


def test_a_sweep_skips_a_lead_another_sweep_holds(pg: Database, settings: Settings) -> None:
    quick = replace(settings, hot_lead_sla=timedelta(minutes=15), escalate_after=timedelta(hours=1))
    directory = SlackDirectory(pg, None, default_tz="UTC")
    lead_id = alerted(pg, quick, directory, "UREP1")
    reports: list[ladder.SweepReport] = []

    def sweep() -> None:
        reports.append(ladder.sweep(pg, settings=quick, directory=directory, now=DUE))

    with pg.session() as other:  # another process's claiming transaction holds the lead
        other.scalars(select(Lead).where(Lead.id == lead_id).with_for_update()).one()
        racer = threading.Thread(target=sweep)
        racer.start()
        try:
            deadline = time.monotonic() + 10
            while racer.is_alive() and not waiting_on_a_lock(pg.engine):
                assert time.monotonic() < deadline, "the sweep neither finished nor waited"
                time.sleep(0.02)
            waited = racer.is_alive()
        finally:
            other.rollback()  # release the lead whatever happened
            racer.join(10)
    assert not waited, "the sweep waited for a lead another sweep holds instead of skipping it"
    assert reports[0].total == 0
    assert counts(pg, lead_id) == (0, 0)
    # Released, the lead is taken by the next sweep, once.
    ladder.sweep(pg, settings=quick, directory=directory, now=DUE)
    ladder.sweep(pg, settings=quick, directory=directory, now=DUE + timedelta(seconds=1))
    assert counts(pg, lead_id) == (1, 1)
