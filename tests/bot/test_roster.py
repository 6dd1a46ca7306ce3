import pytest
from sqlalchemy import func, select

from bot.db import Database
from bot.models import Person
from bot.people import RosterError, import_roster, roster

TEAM = """slack_id,email,name,role,manager
UMGR1,maria@example.com,Maria Manager,manager,
UREP1,rita@example.com,Rita Rep,rep,UMGR1
UREP2,ravi@example.com,Ravi Rep,rep,maria@example.com
UMKT1,mark@example.com,Mark Marketer,marketer,
"""


def test_import_then_reimport_changes_nothing(db: Database) -> None:
    with db.session() as session:
        first = import_roster(session, TEAM)
    assert (first.added, first.updated, first.unchanged) == (4, 0, 0)
    with db.session() as session:
        again = import_roster(session, TEAM)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 4)
    with db.session() as session:
        people = {p.slack_id: (p.role, m.slack_id if m else None) for p, m in roster(session)}
    assert people["UREP1"] == ("rep", "UMGR1")
    assert people["UREP2"] == ("rep", "UMGR1")
    assert people["UMKT1"] == ("marketer", None)


def test_changes_are_updates(db: Database) -> None:
    with db.session() as session:
        import_roster(session, TEAM)
    changed = TEAM.replace(
        "UREP2,ravi@example.com,Ravi Rep,rep,maria@example.com",
        "UREP2,ravi@example.com,Ravi Rep,manager,",
    )
    with db.session() as session:
        result = import_roster(session, changed)
    assert (result.added, result.updated, result.unchanged) == (0, 1, 3)


def test_manager_may_already_be_in_the_database(db: Database) -> None:
    with db.session() as session:
        import_roster(session, TEAM)
    with db.session() as session:
        result = import_roster(session, "slack_id,email,name,role,manager\nUREP3,,Rob,rep,UMGR1\n")
    assert result.added == 1


def test_errors_name_their_lines_and_nothing_is_applied(db: Database) -> None:
    bad = """slack_id,email,name,role,manager
UMGR1,maria@example.com,Maria Manager,manager,
,nobody@example.com,No Id,rep,
UREP1,rita@example.com,Rita Rep,wizard,UMGR1
UREP2,ravi@example.com,Ravi Rep,rep,UNKNOWN9
UREP4,not-an-email,Bad Mail,rep,
UREP5,x@example.com,Too,many,cells,here
"""
    with db.session() as session, pytest.raises(RosterError) as caught:
        import_roster(session, bad)
    text = "\n".join(caught.value.problems)
    assert "line 3: slack_id is missing" in text
    assert "line 4: role 'wizard'" in text
    assert "line 5: manager 'UNKNOWN9' is neither in this file nor in the team" in text
    assert "line 6: email 'not-an-email'" in text
    assert "line 7: expected 5 columns, found 6" in text
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("id,name\nU1,x\n", "the header must be"),
        ("slack_id,email,name,role,manager\nUA1,,A,rep,UA1\n", "cannot be their own manager"),
        ("slack_id,email,name,role,manager\nUA1,,A,rep,\nUA1,,B,rep,\n", "already on line 2"),
    ],
)
def test_file_level_errors(db: Database, text: str, message: str) -> None:
    with db.session() as session, pytest.raises(RosterError, match=message):
        import_roster(session, text)


def test_unicode_names(db: Database) -> None:
    with db.session() as session:
        import_roster(session, "slack_id,email,name,role,manager\nUZ1,,Zoë Ødegård 李雷,rep,\n")
    with db.session() as session:
        assert session.scalar(select(Person.name)) == "Zoë Ødegård 李雷"
