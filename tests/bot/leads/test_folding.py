"""ALERT_BURST folding as a service (bot/leads/folding.py): the window, one row per commit, a
fold rendered when it is sent, and never rendered before a lead joining it commits. Time is an argument here (`now`), never the clock."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy import select, update

from bot import outbox
from bot.db import Database
from bot.keys import fold_key
from bot.leads import folding
from bot.models import Lead, OutboxMessage
from bot.outbox import Dispatcher
from bot.outbox.queue import rendered_args

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
            folding.show(session, key)
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


def shown(db: Database, row: OutboxMessage) -> dict[str, object]:
    """What the dispatcher would send for `row` now (a fold is rendered when it is sent)."""
    with db.session() as session:
        args = rendered_args(session, row)
    assert args is not None
    return args


def test_a_fold_is_queued_once_per_transaction_and_rendered_when_sent(team: Database) -> None:
    ids = new_leads(team, 8)
    with team.session() as session:
        for lead_id in ids:
            lead = session.get(Lead, lead_id)
            assert lead is not None
            key = folding.admit(session, folding.ALERT, "UREP1", lead, burst=5, now=T0)
            if key is not None:
                folding.show(session, key)
        assert not session.scalars(select(OutboxMessage)).all()  # nothing until the commit
    rows = posts(team)
    assert [row.method for row in rows] == ["chat.postMessage"]
    assert "text" not in rows[0].args  # no list frozen into the row: it is rendered when sent
    assert shown(team, rows[0])["text"] == "3 more hot leads for you"
    assert (shown(team, rows[0])["channel"], shown(team, rows[0])["unfurl_links"]) == (
        "UREP1",
        False,
    )


def test_a_waiting_fold_shows_the_latest_once_taken_an_update_follows(team: Database) -> None:
    ids = new_leads(team, 9)
    for lead in ids[:7]:
        admit(team, lead, T0)
    rows = posts(team)
    assert [row.method for row in rows] == ["chat.postMessage"]  # one row for two commits
    assert shown(team, rows[0])["text"] == "2 more hot leads for you"
    with team.session() as session:  # a dispatcher takes it
        session.execute(update(OutboxMessage).values(lock_token="dispatcher"))
    admit(team, ids[7], T0)
    admit(team, ids[8], T0)  # the update still waits: it will show this one too
    rows = posts(team)
    assert [row.method for row in rows] == ["chat.postMessage", "chat.update"]
    assert rows[1].target_key == rows[0].key
    assert shown(team, rows[1])["text"] == "4 more hot leads for you"


def test_a_waiting_fold_is_not_rendered_before_the_lead_joining_it_commits(
    team: Database,
) -> None:
    """The check that a waiting row will show this transaction's lead holds until the commit:
    a dispatcher cannot claim and render the row in between (on PostgreSQL the row is
    locked; on SQLite the claim waits for the writer)."""
    ids = new_leads(team, 8)
    for lead in ids[:7]:
        admit(team, lead, T0)
    dispatcher = Dispatcher(team, WebClient(token="xoxb-test", base_url="http://127.0.0.1:9/"))
    rendered: list[str] = []

    def claim_and_render() -> None:
        for row in dispatcher._claim():
            rendered.append(str(shown(team, row)["text"]))

    try:
        with team.session() as session:
            lead = session.get(Lead, ids[7])
            assert lead is not None
            key = folding.admit(session, folding.ALERT, "UREP1", lead, burst=5, now=T0)
            assert key is not None and outbox.render_waiting(session, key)
            racer = threading.Thread(target=claim_and_render)
            racer.start()
            racer.join(1.0)  # PostgreSQL: skips the locked row; SQLite: waits for the commit
        racer.join(30)
        assert not racer.is_alive()
        if not rendered:  # it skipped the row while it was locked; the next claim takes it
            claim_and_render()
    finally:
        dispatcher.stop()
    assert rendered == ["3 more hot leads for you"]
