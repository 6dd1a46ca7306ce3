"""Round robin that knows who is working (bot.routing): fair turns, weights, and who is
skipped (away, outside their working hours in their own zone, at the cap)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from bot.config import Settings
from bot.db import Database
from bot.errors import Refusal
from bot.models import Lead, RoutingDecision
from bot.people import import_roster
from bot.routing import route
from bot.routing.away import parse_away, set_away, set_back, toggle_away
from bot.workhours import WorkingHours

HEADER = "slack_id,email,name,role,manager,tz,weight\n"
FOUR = (
    "UA0000001,a@example.com,Ann,rep,,Europe/Berlin,\n"
    "UB0000002,b@example.com,Ben,rep,,America/New_York,\n"
    "UC0000003,c@example.com,Cy,rep,,Asia/Kolkata,\n"
    "UD0000004,d@example.com,Di,rep,,UTC,\n"
    "UM0000005,m@example.com,Max,manager,,UTC,\n"
    "UK0000006,k@example.com,Kim,marketer,,UTC,\n"
)
# Wednesday 13:00 UTC: 14:00 in Berlin, 08:00 in New York, 18:30 in Kolkata.
WEDNESDAY = datetime(2026, 3, 4, 13, 0, tzinfo=UTC)


def rr(settings: Settings) -> Settings:
    return replace(settings, routing="round_robin", max_open_hot_leads=1000)


def route_leads(
    db: Database, settings: Settings, count: int, now: datetime, prefix: str = "rr"
) -> Counter[str]:
    chosen: Counter[str] = Counter()
    for n in range(count):
        with db.session() as session:
            lead = Lead(external_id=f"{prefix}-{n}", name="Lead", hot=True)
            session.add(lead)
            session.flush()
            decision = route(session, lead, settings=settings, now=now)
            lead.owner_id = decision.chosen
            chosen[decision.chosen or "nobody"] += 1
    return chosen


def test_equal_reps_take_strict_turns(db: Database, settings: Settings) -> None:
    with db.session() as session:
        import_roster(session, HEADER + FOUR)
    chosen = route_leads(db, rr(settings), 200, WEDNESDAY)
    assert chosen == Counter({"UA0000001": 50, "UB0000002": 50, "UC0000003": 50, "UD0000004": 50})


def test_weights_share_the_leads(db: Database, settings: Settings) -> None:
    with db.session() as session:
        import_roster(
            session,
            HEADER
            + "UA0000001,a@example.com,Ann,rep,,UTC,2\n"
            + "UB0000002,b@example.com,Ben,rep,,UTC,\n"
            + "UC0000003,c@example.com,Cy,rep,,UTC,0\n"
            + "UM0000005,m@example.com,Max,manager,,UTC,1\n",
        )
    chosen = route_leads(db, rr(settings), 40, WEDNESDAY)
    assert chosen == Counter({"UA0000001": 20, "UB0000002": 10, "UM0000005": 10})


def test_who_is_skipped_and_why(db: Database, settings: Settings) -> None:
    office = replace(
        rr(settings), working_hours=WorkingHours.parse("Mon-Fri 08:00-18:00"), max_open_hot_leads=1
    )
    with db.session() as session:
        import_roster(session, HEADER + FOUR)
        set_away(session, "UD0000004", now=WEDNESDAY, until=WEDNESDAY + timedelta(days=3))
        session.add(Lead(external_id="held", name="Held", hot=True, owner_id="UA0000001"))
    chosen = route_leads(db, office, 3, WEDNESDAY)
    # Ann holds the cap, Cy's day in Kolkata is over, Di is away: only Ben (New York, 08:00).
    assert chosen == Counter({"UB0000002": 1, "nobody": 2})
    with db.session() as session:
        decisions = list(session.scalars(select(RoutingDecision).order_by(RoutingDecision.id)))
    skipped = {c["slack_id"]: c["skipped"] for c in decisions[0].considered}
    assert skipped["UA0000001"].startswith("holds 1 open hot leads")
    assert skipped["UB0000002"] is None
    assert skipped["UC0000003"] == "outside working hours"
    assert skipped["UD0000004"].startswith("away until")
    assert "UM0000005" not in skipped and "UK0000006" not in skipped  # they take no leads
    assert decisions[0].chosen == "UB0000002" and decisions[1].chosen is None

    # An hour earlier New York is not at work yet and Kolkata still is (17:30); Di is back.
    with db.session() as session:
        set_back(session, "UD0000004", now=WEDNESDAY)
    with time_machine.travel(WEDNESDAY, tick=False):
        early = route_leads(db, office, 3, WEDNESDAY - timedelta(hours=1), "early")
    assert early == Counter({"UC0000003": 1, "UD0000004": 1, "nobody": 1})


def test_away_toggle_and_parsing(db: Database, settings: Settings) -> None:
    with db.session() as session:
        import_roster(session, HEADER + FOUR)
        assert toggle_away(session, "UA0000001", now=WEDNESDAY) is True
        assert toggle_away(session, "UA0000001", now=WEDNESDAY) is False
        with pytest.raises(Refusal):
            toggle_away(session, "UK0000006", now=WEDNESDAY)
    berlin = ZoneInfo("Europe/Berlin")
    assert parse_away("", now=WEDNESDAY, zone=berlin) is None
    assert parse_away("for 3d", now=WEDNESDAY, zone=berlin) == WEDNESDAY + timedelta(days=3)
    assert parse_away("until 2026-03-09", now=WEDNESDAY, zone=berlin) == datetime(
        2026, 3, 8, 23, 0, tzinfo=UTC
    )
    for bad in ("until tomorrow", "for ever", "soon", "until 2026-03-01"):
        with pytest.raises(Refusal):
            parse_away(bad, now=WEDNESDAY, zone=berlin)
