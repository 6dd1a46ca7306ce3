"""The Home's composition and publishing, without Slack: a person with every board and long
lists still gets a valid view within 100 blocks; refreshes are debounced and superseded."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import insert, select

from bot.blockkit import MAX_VIEW_BLOCKS
from bot.config import Settings
from bot.db import Database
from bot.home import changes, home_view, publish_home, refresh_due, request_refresh
from bot.messages import validate_blocks
from bot.models import Campaign, Feedback, HomeView, Lead, OutboxMessage, Person, utcnow
from bot.outbox.queue import superseded
from bot.workhours import WorkingHours


def seed_everything(db: Database) -> None:
    """UBOSS: an admin who manages 70 reps, owns 40 open leads and started 8 campaigns."""
    now = utcnow()
    people = [
        {"id": 1, "slack_id": "UBOSS", "name": "Bo Boss", "role": "admin", "manager_id": None}
    ]
    people += [
        {"id": n + 2, "slack_id": f"UR{n:03d}", "name": f"Rep {n}", "role": "rep", "manager_id": 1}
        for n in range(70)
    ]
    leads = [
        {
            "external_id": f"x{n}",
            "name": f"Lead {n}",
            "hot": True,
            "owner_id": "UBOSS" if n < 40 else f"UR{n % 70:03d}",
            "received_at": now - timedelta(hours=2),
            "clock_started_at": now - timedelta(hours=2),
            "status": "snoozed" if n % 10 == 0 else "new",
            "snoozed_until": now + timedelta(hours=1) if n % 10 == 0 else None,
            "campaign_id": n % 8 + 1,
            "extra": {},
        }
        for n in range(400)
    ]
    campaigns = [
        {"id": c + 1, "code": f"c{c}", "name": f"Campaign {c}", "created_by": "UBOSS"}
        for c in range(8)
    ]
    feedback = [
        {"author_id": "UR001", "text": f"line {f}", "tags": ["pricing"], "kind": "rep"}
        for f in range(30)
    ]
    with db.engine.begin() as conn:
        conn.execute(insert(Person), people)
        conn.execute(insert(Campaign), campaigns)
        conn.execute(insert(Lead), leads)
        conn.execute(insert(Feedback), feedback)


def test_every_board_at_once_stays_within_100_blocks(db: Database, settings: Settings) -> None:
    seed_everything(db)
    settings = replace(settings, working_hours=WorkingHours.parse("always"))
    with db.session() as session:
        view = home_view(session, "UBOSS", settings=settings)
    blocks = view["blocks"]
    validate_blocks(blocks, MAX_VIEW_BLOCKS)
    text = str(blocks)
    for heading in ("Your queue", "Your team", "Campaigns", "Health"):
        assert heading in text
    assert "more open leads" in text  # the queue's "…and N more"
    assert "…and 10 more rep" in text  # 60 of 70 reps in the table
    assert "more overdue" in text
    assert "more active campaign" in text
    assert "*Snoozed* (4)" in text  # every tenth of the 40 owned
    # Composed within the budget, not cut by the last-resort limit (which drops the end).
    assert "your open hot leads" in str(blocks[-1])


def test_refreshes_are_debounced_and_only_for_opened_homes(
    db: Database, settings: Settings
) -> None:
    with db.session() as session:
        session.add(Person(slack_id="UREP1", name="Rita", role="rep"))
    opened = utcnow()
    with db.session() as session:
        publish_home(session, "UREP1", settings=settings, now=opened)
    interval = timedelta(seconds=5)
    with db.session() as session:
        request_refresh(session, ["UREP1", "UNEVER"], interval=interval, now=opened)
        request_refresh(session, ["UREP1"], interval=interval, now=opened + timedelta(seconds=3))
    with db.session() as session:
        rows = {row.slack_id: row for row in session.scalars(select(HomeView))}
    assert set(rows) == {"UREP1"}  # never opened: no refresh owed
    assert rows["UREP1"].due_at == opened + interval  # the first request's time is kept
    assert refresh_due(db, settings, now=opened + timedelta(seconds=4)) == 0
    assert refresh_due(db, settings, now=opened + interval) == 1
    assert refresh_due(db, settings, now=opened + interval) == 0  # claimed once
    with db.session() as session:
        publishes = list(
            session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.method == "views.publish")
                .order_by(OutboxMessage.id)
            )
        )
        assert [p.args["user_id"] for p in publishes] == ["UREP1", "UREP1"]
        assert all(p.key and p.key.startswith("home:UREP1:") for p in publishes)
        assert superseded(session, publishes[0]) and not superseded(session, publishes[1])


def test_a_lead_change_concerns_its_owner_and_their_manager(
    db: Database, settings: Settings
) -> None:
    changes.install(timedelta(seconds=5))
    with db.session() as session:
        boss = Person(slack_id="UMGR1", name="Maria", role="manager")
        session.add(boss)
        session.flush()
        session.add(Person(slack_id="UREP1", name="Rita", role="rep", manager_id=boss.id))
        session.add(Person(slack_id="UREP2", name="Ravi", role="rep", manager_id=boss.id))
    with db.session() as session:
        for who in ("UREP1", "UREP2", "UMGR1"):
            publish_home(session, who, settings=settings)
    with db.session() as session:
        session.add(Lead(external_id="a", name="Ada", owner_id="UREP1"))
    with db.session() as session:
        due = {row.slack_id for row in session.scalars(select(HomeView)) if row.due_at}
    assert due == {"UREP1", "UMGR1"}
