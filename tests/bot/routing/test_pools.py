"""Campaign pools (bot.routing.pools): a campaign's reps are its lead's pool, with a rotation of
their own; no reps or no campaign: the team; who may be named; what each pool is called."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from sqlalchemy import select

from bot.config import Settings
from bot.db import Database
from bot.models import Campaign, Lead, RoutingDecision, SlackUser
from bot.people import import_roster
from bot.routing import route
from bot.routing.pools import (
    TEAM,
    campaign_reps,
    pool_label,
    pool_of,
    reps_problem,
    set_campaign_reps,
)
from tests.bot.routing.test_round_robin import FOUR, HEADER, WEDNESDAY


def rr(settings: Settings) -> Settings:
    return replace(settings, routing="round_robin", max_open_hot_leads=1000)


def setup(db: Database, reps: list[str]) -> int:
    with db.session() as session:
        import_roster(session, HEADER + FOUR)
        campaign = Campaign(code="spring", name="Spring webinar")
        session.add(campaign)
        session.flush()
        set_campaign_reps(session, campaign.id, reps)
        return campaign.id


def route_one(db: Database, settings: Settings, external_id: str, campaign_id: int | None) -> str:
    with db.session() as session:
        lead = Lead(external_id=external_id, name="Lead", hot=True, campaign_id=campaign_id)
        session.add(lead)
        session.flush()
        decision = route(session, lead, settings=settings, now=WEDNESDAY)
        lead.owner_id = decision.chosen
        return f"{decision.chosen}|{decision.pool}|{decision.pool_label}"


def test_a_campaigns_leads_go_only_to_its_reps_in_their_own_rotation(
    db: Database, settings: Settings
) -> None:
    campaign_id = setup(db, ["UD0000004", "UB0000002"])
    settings = replace(settings, routing="round_robin", max_open_hot_leads=1000)
    chosen: Counter[str] = Counter()
    for n in range(10):
        chosen[route_one(db, settings, f"c-{n}", campaign_id)] += 1
        if n % 4 == 0:  # leads with no campaign take turns of their own meanwhile
            route_one(db, settings, f"t-{n}", None)
    pool = f"campaign:{campaign_id}"
    label = "the Spring webinar pool"
    assert chosen == Counter({f"UB0000002|{pool}|{label}": 5, f"UD0000004|{pool}|{label}": 5})
    # The team's rotation went on from its own start: Ann, Ben, Cy, Di.
    assert route_one(db, settings, "t-last", None) == "UD0000004|team|the team"


def test_no_reps_or_no_campaign_is_the_team(db: Database, settings: Settings) -> None:
    campaign_id = setup(db, [])
    with db.session() as session:
        assert pool_of(session, Lead(external_id="x", name="x", campaign_id=campaign_id)) == TEAM
        assert pool_of(session, Lead(external_id="y", name="y")) == TEAM
        # A lead whose code names the campaign, linked or not, is in its pool.
        set_campaign_reps(session, campaign_id, ["UA0000001"])
        by_code = pool_of(session, Lead(external_id="z", name="z", campaign_code="spring"))
        assert by_code.key == f"campaign:{campaign_id}"
        assert by_code.members == frozenset({"UA0000001"})


def test_a_named_rep_who_stops_taking_leads_drops_out(db: Database, settings: Settings) -> None:
    campaign_id = setup(db, ["UA0000001"])
    with db.session() as session:
        import_roster(session, HEADER + FOUR.replace("Ann,rep", "Ann,marketer"))
    with db.session() as session:
        lead = Lead(external_id="gone", name="Lead", hot=True, campaign_id=campaign_id)
        session.add(lead)
        session.flush()
        decision = route(session, lead, settings=rr(settings), now=WEDNESDAY)
        assert decision.chosen is None and decision.considered == []
        assert decision.nobody_reason == "nobody in the Spring webinar pool takes leads"
        recorded = session.scalars(select(RoutingDecision)).one()
        assert recorded.pool == f"campaign:{campaign_id}"


def test_only_people_who_take_leads_may_be_named(db: Database) -> None:
    with db.session() as session:
        import_roster(session, HEADER + FOUR)
        session.add(SlackUser(slack_id="UZ0000009", name="Zed Stranger"))
        session.flush()
        assert reps_problem(session, ["UA0000001", "UB0000002"]) is None
        problem = reps_problem(session, ["UA0000001", "UK0000006", "UM0000005", "UZ0000009"])
        assert problem is not None
        assert "Kim is a marketer" in problem
        assert "Max is a manager who takes no leads" in problem
        assert "Zed Stranger is not on the team roster" in problem
        assert "Ann" not in problem
        many = reps_problem(session, ["UX0000001", "UX0000002", "UX0000003", "UX0000004"])
        assert many is not None and "and 1 more" in many


def test_reps_are_replaced_not_added_and_read_back_by_name(db: Database) -> None:
    campaign_id = setup(db, ["UD0000004", "UA0000001"])
    with db.session() as session:
        assert campaign_reps(session, campaign_id) == ("UA0000001", "UD0000004")  # Ann, Di
        set_campaign_reps(session, campaign_id, ["UC0000003"])
    with db.session() as session:
        assert campaign_reps(session, campaign_id) == ("UC0000003",)
        session.delete(session.get(Campaign, campaign_id))
    with db.session() as session:
        assert campaign_reps(session, campaign_id) == ()


def test_pool_labels(db: Database) -> None:
    campaign_id = setup(db, [])
    with db.session() as session:
        assert pool_label(session, "team") == "the team"
        assert pool_label(session, "the team") == "the team"  # as leads routed before stored it
        assert pool_label(session, None) == "the team"
        assert pool_label(session, f"campaign:{campaign_id}") == "the Spring webinar pool"
        assert pool_label(session, "campaign:999") == "a campaign's pool since deleted"
