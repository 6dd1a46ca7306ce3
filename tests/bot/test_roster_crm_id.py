"""The roster's optional `crm_id` column: imported, kept when a file leaves it out, unique."""

import pytest
from sqlalchemy import select

from bot.db import Database
from bot.models import Person
from bot.people import RosterError, import_roster

WITH_IDS = """slack_id,email,name,role,manager,tz,crm_id
UMGR1,maria@example.com,Maria Manager,manager,,,
UREP1,rita@example.com,Rita Rep,rep,UMGR1,,31000001
UREP2,ravi@example.com,Ravi Rep,rep,UMGR1,Asia/Kolkata,005000000000001AAA
"""
WITHOUT = """slack_id,email,name,role,manager
UREP1,rita@example.com,Rita Reps,rep,UMGR1
"""


def crm_ids(db: Database) -> dict[str, str | None]:
    with db.session() as session:
        return {p.slack_id: p.crm_id for p in session.scalars(select(Person))}


def test_crm_ids_are_imported_and_kept_by_a_file_without_them(db: Database) -> None:
    with db.session() as session:
        assert import_roster(session, WITH_IDS).added == 3
    assert crm_ids(db) == {"UMGR1": None, "UREP1": "31000001", "UREP2": "005000000000001AAA"}
    with db.session() as session:
        assert import_roster(session, WITHOUT).updated == 1
    assert crm_ids(db)["UREP1"] == "31000001"
    with db.session() as session:
        import_roster(session, "slack_id,email,name,role,manager,crm_id\nUREP1,,Rita,rep,,\n")
    assert crm_ids(db)["UREP1"] is None  # an empty cell clears it


def test_a_crm_id_twice_is_refused(db: Database) -> None:
    twice = WITH_IDS.replace("005000000000001AAA", "31000001")
    with pytest.raises(RosterError) as raised, db.session() as session:
        import_roster(session, twice)
    assert raised.value.problems == ["line 4: crm_id 31000001 already on line 3"]
    with db.session() as session:
        import_roster(session, WITH_IDS)
    taken = "slack_id,email,name,role,manager,crm_id\nUREP3,,Noah,rep,,31000001\n"
    with pytest.raises(RosterError) as raised, db.session() as session:
        import_roster(session, taken)
    assert raised.value.problems == ["line 2: crm_id 31000001 already belongs to UREP1"]
