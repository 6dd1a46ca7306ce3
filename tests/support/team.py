"""A small demo team used by the scenario tests (slack ids match the fake Slack's users)."""

from __future__ import annotations

from bot.db import Database
from bot.people import import_roster
from sandbox.fakeslack import FakeSlack

TEAM_CSV = """slack_id,email,name,role,manager,tz
UADMIN,ada@example.com,Ada Admin,admin,,America/New_York
UMGR1,maria@example.com,Maria Manager,manager,,America/New_York
UREP1,rita@example.com,Rita Rep,rep,UMGR1,America/New_York
UREP2,ravi@example.com,Ravi Rep,rep,UMGR1,Asia/Kolkata
UREP3,nomgr@example.com,Noah Nomanager,rep,,America/New_York
UMKT1,mark@example.com,Mark Marketer,marketer,,America/New_York
"""


def seed_team(db: Database, fake: FakeSlack | None = None) -> None:
    with db.session() as session:
        import_roster(session, TEAM_CSV)
    if fake is not None:
        for line in TEAM_CSV.strip().splitlines()[1:]:
            slack_id, email, name, _role, _manager, tz = line.split(",")
            fake.add_user(slack_id, name, email=email, tz=tz)
        fake.add_user("UOUTSIDER", "Olga Outsider", email="olga@example.com")
