"""ALERT_BURST folding as a service (bot/leads/folding.py): the window, one render per commit,
and a fold not yet sent revised in place. Time is an argument here (`now`), never the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from bot.db import Database
from bot.keys import fold_key
from bot.leads import folding
from bot.models import Lead, OutboxMessage

T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def new_leads(db: Database, count: int, owner: str = "UREP1") -> list[int]:
    with db.session() as session:
        leads = [
            Lead(external_id=f"fold-{owner}-{n}", name=f"Fold Lead {n}", owner_id=owner, hot=True)
            for n in range(count)
        ]
        session.add_all(leads)
        session.flush()
        return [lead.id for lead in leads]


def admit(db: Database, lead_id: int, now: datetime, *, burst: int = 5) -> str | None:
    with db.session() as session:
        lead = session.get(Lead, lead_id)
        assert lead is not None
        key = folding.admit(session, folding.ALERT, "UREP1", lead, burst=burst, now=now)
        if key is not None:
            folding.show(session, key, now=now)
        return key


def posts(db: Database) -> list[OutboxMessage]:
    with db.session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_more_than_the_burst_within_a_minute_fold_into_one_key(team: Database) -> None:
    ids = new_leads(team, 9)
    keys = [admit(team, lead, T0 + timedelta(seconds=n)) for n, lead in enumerate(ids[:7])]
    assert keys[:5] == [None] * 5
    assert keys[5] == keys[6] == fold_key("alert", "UREP1", ids[5])
    # A minute after the last one, the count starts again: its own alert.
    assert admit(team, ids[7], T0 + timedelta(seconds=6 + 61)) is None


def test_a_fold_goes_on_while_the_burst_does(team: Database) -> None:
    ids = new_leads(team, 8)
    for n, lead in enumerate(ids[:6]):
        admit(team, lead, T0 + timedelta(seconds=10 * n))
    # 50 s after the first and 10 s after the fold began: still more than 5 in the last minute.
    assert admit(team, ids[6], T0 + timedelta(seconds=60)) == fold_key("alert", "UREP1", ids[5])


def test_alert_burst_zero_never_folds(team: Database) -> None:
    ids = new_leads(team, 12)
    assert all(admit(team, lead, T0, burst=0) is None for lead in ids)


def test_a_fold_is_rendered_once_per_transaction(team: Database) -> None:
    ids = new_leads(team, 8)
    with team.session() as session:
        for lead_id in ids:
            lead = session.get(Lead, lead_id)
            assert lead is not None
            key = folding.admit(session, folding.ALERT, "UREP1", lead, burst=5, now=T0)
            if key is not None:
                folding.show(session, key, now=T0)
        assert not session.scalars(select(OutboxMessage)).all()  # nothing until the commit
    rows = posts(team)
    assert [row.method for row in rows] == ["chat.postMessage"]
    assert rows[0].args["text"] == "3 more hot leads for you"


def test_a_fold_not_yet_sent_is_revised_once_sent_it_is_updated(team: Database) -> None:
    ids = new_leads(team, 8)
    for lead in ids[:7]:
        admit(team, lead, T0)
    rows = posts(team)
    assert [row.method for row in rows] == ["chat.postMessage"]
    assert rows[0].args["text"] == "2 more hot leads for you"  # revised, not updated
    with team.session() as session:  # a dispatcher takes it
        session.execute(update(OutboxMessage).values(lock_token="dispatcher"))
    admit(team, ids[7], T0)
    rows = posts(team)
    assert [row.method for row in rows] == ["chat.postMessage", "chat.update"]
    assert rows[0].args["text"] == "2 more hot leads for you"
    assert rows[1].args["text"] == "3 more hot leads for you"
