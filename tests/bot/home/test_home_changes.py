"""bot.home.changes: a change to what someone's Home shows asks for its refresh, once, at the
transaction's commit, whatever SAVEPOINTs came and went inside it."""

from __future__ import annotations

from datetime import timedelta
from unittest.mock import Mock

import pytest
from slack_sdk import WebClient
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError

from bot.config import Settings
from bot.db import Database
from bot.home import changes
from bot.leads.validate import parse_batch
from bot.models import Campaign, HomeView, Lead, utcnow
from bot.services import Handoff


@pytest.fixture
def following(team: Database) -> Database:
    changes.install(timedelta(seconds=30))
    with team.session() as session:
        session.add(HomeView(slack_id="UREP1", published_at=utcnow() - timedelta(hours=1)))
        session.add(Lead(external_id="home-1", name="Ada", hot=True, owner_id="UREP1"))
    with team.session() as session:  # that lead was a change too: start with no refresh owed
        session.scalars(select(HomeView)).one().due_at = None
    assert due_at(team, "UREP1") is None
    return team


def due_at(db: Database, slack_id: str) -> object:
    with db.session() as session:
        return session.scalar(select(HomeView.due_at).where(HomeView.slack_id == slack_id))


def test_a_change_asks_for_the_owners_home(following: Database) -> None:
    with following.session() as session:
        session.scalars(select(Lead)).one().name = "Ada L."
    assert due_at(following, "UREP1") is not None


def test_a_savepoint_rolled_back_later_does_not_drop_what_was_noted_before_it(
    following: Database,
) -> None:
    with following.session() as session:
        session.scalars(select(Lead)).one().name = "Ada L."
        session.flush()  # noted here
        with pytest.raises(IntegrityError), session.begin_nested():
            session.add(Lead(external_id="home-1", name="A twin"))  # the same CRM id: refused
    assert due_at(following, "UREP1") is not None


@pytest.mark.parametrize("score", [40, 95], ids=["cold", "hot"])
def test_a_new_lead_from_intake_asks_for_its_owners_home(
    following: Database, settings: Settings, score: int
) -> None:
    """New leads go in with one Core insert, which the ORM's flush never sees: a warm lead
    shows on its owner's queue too, so intake notes them itself."""
    handoff = Handoff.build(settings, db=following)
    handoff.client = Mock(spec=WebClient)
    try:
        handoff.receive_leads(
            parse_batch([{"id": "home-2", "name": "Grace", "score": score, "owner": "UREP1"}])
        )
    finally:
        handoff.stop()
    assert due_at(following, "UREP1") is not None


def test_a_new_cold_lead_of_a_campaign_asks_for_the_marketers_home(
    following: Database, settings: Settings
) -> None:
    with following.session() as session:
        session.add(Campaign(code="spring", name="Spring webinar", created_by="UMKT1"))
        session.add(HomeView(slack_id="UMKT1", published_at=utcnow() - timedelta(hours=1)))
    with following.session() as session:
        session.scalars(select(HomeView).where(HomeView.slack_id == "UMKT1")).one().due_at = None
    handoff = Handoff.build(settings, db=following)
    handoff.client = Mock(spec=WebClient)
    try:
        handoff.receive_leads(
            parse_batch([{"id": "home-3", "name": "Alan", "score": 10, "campaign": "spring"}])
        )
    finally:
        handoff.stop()
    assert due_at(following, "UMKT1") is not None


def test_one_lead_change_finds_every_home_it_concerns_in_one_query(following: Database) -> None:
    """The owner, their manager, the marketers and the campaign's author, and nobody else; read
    with one SELECT, as the hook runs at every commit that touches a lead (50 a second when a
    webinar's leads arrive one request each)."""
    an_hour_ago = utcnow() - timedelta(hours=1)
    with following.session() as session:
        session.add(Campaign(code="spring", name="Spring webinar", created_by="UOUTSIDER"))
        for slack_id in ("UMGR1", "UMKT1", "UOUTSIDER", "UREP2", "UADMIN"):
            session.add(HomeView(slack_id=slack_id, published_at=an_hour_ago))
    with following.session() as session:
        for home in session.scalars(select(HomeView)):
            home.due_at = None
        campaign_id = session.scalars(select(Campaign.id)).one()
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(following.engine, "before_cursor_execute", count)
    try:
        with following.session() as session:
            session.scalars(select(Lead)).one().campaign_id = campaign_id
            session.flush()
            before = len(statements)
    finally:
        event.remove(following.engine, "before_cursor_execute", count)
    hook = [s for s in statements[before:] if s.lstrip().upper().startswith("SELECT")]
    assert len(hook) == 1, hook
    owed = {
        slack_id
        for slack_id in ("UREP1", "UMGR1", "UMKT1", "UOUTSIDER", "UREP2", "UADMIN")
        if due_at(following, slack_id) is not None
    }
    assert owed == {"UREP1", "UMGR1", "UMKT1", "UOUTSIDER"}
