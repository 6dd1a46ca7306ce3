"""The one permission policy (bot.permissions), against the demo team:
UADMIN admin; UMGR1 manager of UREP1 and UREP2; UREP3 a rep with no manager; UMKT1 marketer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import permissions
from bot.db import Database
from bot.models import Lead, Person
from tests.support.team import seed_team

EVERYONE = ("UADMIN", "UMGR1", "UREP1", "UREP2", "UREP3", "UMKT1", "UOUTSIDER", "UMGR9")


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    seed_team(db)
    with db.session() as session:
        session.add(Person(slack_id="UMGR9", email="m9@example.com", name="Mo", role="manager"))
        session.flush()
        yield session


def lead_of(session: Session, owner: str | None) -> Lead:
    lead = Lead(external_id=f"p-{owner}", name="Ada", hot=True, owner_id=owner)
    session.add(lead)
    session.flush()
    return lead


def allowed(check, *args) -> set[str]:  # type: ignore[no-untyped-def]
    return {actor for actor in EVERYONE if check(*args[:1], actor, *args[1:])}


@pytest.mark.parametrize(
    ("owner", "who"),
    [
        ("UREP1", {"UREP1", "UMGR1", "UADMIN"}),  # owner, owner's manager, admin
        ("UREP3", {"UREP3", "UADMIN"}),  # no manager: only admins cover
        ("UOUTSIDER", {"UOUTSIDER", "UADMIN"}),  # owner not on the roster
        (None, {"UADMIN"}),
    ],
)
def test_who_may_act_on_a_lead(session: Session, owner: str | None, who: set[str]) -> None:
    lead = lead_of(session, owner)
    assert allowed(permissions.may_act_on_lead, session, lead) == who


@pytest.mark.parametrize(
    ("owner", "who"),
    [
        ("UREP1", {"UMGR1", "UADMIN"}),  # not the rep themselves, not another manager
        ("UREP3", {"UMGR1", "UMGR9", "UADMIN"}),  # no manager: any manager
        ("UOUTSIDER", {"UMGR1", "UMGR9", "UADMIN"}),
    ],
)
def test_who_may_nudge_about_a_lead(session: Session, owner: str, who: set[str]) -> None:
    lead = lead_of(session, owner)
    assert allowed(permissions.may_nudge_about_lead, session, lead) == who


@pytest.mark.parametrize(
    ("rep", "who"),
    [("UREP1", {"UMGR1", "UADMIN"}), ("UREP3", {"UADMIN"})],  # no manager: only admins
)
def test_who_may_nudge_a_rep(session: Session, rep: str, who: set[str]) -> None:
    target = session.scalar(select(Person).where(Person.slack_id == rep))
    assert target is not None
    assert allowed(permissions.may_nudge_rep, session, target) == who


def test_roles_for_claiming_campaigns_and_feedback(session: Session) -> None:
    assert allowed(permissions.may_claim, session) == {
        "UADMIN",
        "UMGR1",
        "UMGR9",
        "UREP1",
        "UREP2",
        "UREP3",
    }
    assert allowed(permissions.may_manage_campaigns, session) == {"UADMIN", "UMKT1"}
    assert allowed(permissions.may_answer_feedback, session) == {"UADMIN", "UMKT1"}
    assert allowed(permissions.may_erase_leads, session) == {"UADMIN"}


def test_who_may_be_given_a_lead(session: Session) -> None:
    people = {p.slack_id: p for p in session.scalars(select(Person))}
    assert {s for s, p in people.items() if permissions.may_be_assigned(p)} == {
        "UREP1",
        "UREP2",
        "UREP3",
    }
    people["UMGR1"].weight = 1  # a manager who takes leads
    assert permissions.may_be_assigned(people["UMGR1"])
    assert not permissions.may_be_assigned(None)
