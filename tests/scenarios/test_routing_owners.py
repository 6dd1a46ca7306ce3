"""Leads that lose their owner after they arrive, with ROUTING=round_robin: an owner_email Slack
turns out not to know (or does not answer for within OWNER_LOOKUP_WAIT) goes to round robin
rather than sitting in #sales; the CRM un-assigning an open hot lead routes it to another rep;
a re-send with no owner leaves an owner Handoff chose alone."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.ids import LeadIds
from bot.models import OutboxMessage, RoutingDecision, utcnow
from bot.routing.away import set_away
from bot.states import AssignedHow
from tests.scenarios.test_alerts_support import (
    click,
    delivered,
    lead_id,
    load_lead,
    wait_update,
)
from tests.scenarios.test_owner_lookups import LOOKUP, new_lead, wait_until_looked_up
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp, app_settings
from tests.support.team import seed_team


@pytest.fixture
def app_config(settings: Settings, slack: FakeSlackServer, db_url: str) -> Settings:
    return app_settings(
        settings,
        slack.url,
        db_url,
        routing="round_robin",
        owner_lookup_wait=timedelta(seconds=30),
        owner_lookups_per_minute=6000,
    )


def sales_offers(app: RunningApp) -> int:
    with app.handoff.db.session() as session:
        query = select(func.count()).where(OutboxMessage.key.like("lead:%:claim"))
        return session.scalar(query) or 0


def away(app: RunningApp, *reps: str) -> None:
    with app.handoff.db.session() as session:
        for rep in reps:
            set_away(session, rep, now=utcnow(), until=None)


def mentions_of(app: RunningApp, words: str) -> int:
    """Queued messages (posts and updates) whose content has `words`."""
    with app.handoff.db.session() as session:
        return sum(words in str(args) for args in session.scalars(select(OutboxMessage.args)))


def test_an_owner_email_slack_does_not_know_goes_to_round_robin(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    response = running.post_leads(new_lead(1, owner_email="ghost@example.com"))
    assert response.status_code == 202
    alert = delivered(slack, "UREP3", "Lead 1", timeout=20)  # Noah: first by name
    assert "round robin among the working reps of the team" in str(alert.blocks)
    lead = load_lead(running, "crm-1")
    assert lead.owner_id == "UREP3" and lead.assigned_how == AssignedHow.ROUND_ROBIN
    assert not lead.owner_pending and lead.owner_wait_until is None
    assert lead.next_due_at is not None  # on the ladder
    assert sales_offers(running) == 0


def test_an_owner_lookup_past_the_wait_goes_to_round_robin(
    settings: Settings, slack: FakeSlackServer, db_url: str
) -> None:
    config = app_settings(
        settings,
        slack.url,
        db_url,
        routing="round_robin",
        owner_lookup_wait=timedelta(seconds=1),
        owner_lookups_per_minute=6000,
    )
    with RunningApp(config) as app:
        seed_team(app.handoff.db, slack.fake)
        slack.fake.add_user("UNEWREP", "Nina New", email="nina@example.com")
        slack.fake.fail_for(600, status=503, method=LOOKUP)
        assert app.post_leads(new_lead(2, owner_email="nina@example.com")).status_code == 202

        alert = delivered(slack, "UREP3", "Lead 2", timeout=20)
        assert "round robin" in str(alert.blocks)
        assert slack.fake.calls_to(LOOKUP, status=503)
        assert sales_offers(app) == 0
        # Slack answers later: the rep round robin chose keeps the lead (as a claim would).
        slack.fake.heal()
        wait_until_looked_up(app)
        lead = load_lead(app, "crm-2")
        assert lead.owner_id == "UREP3" and not lead.owner_pending
        assert slack.fake.messages_in("UNEWREP") == []


def test_the_crm_unassigning_an_open_hot_lead_routes_it_to_another_rep(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    assert running.post_leads(new_lead(3, owner="UREP1")).status_code == 202
    old = delivered(slack, "UREP1", "Lead 3")
    assert running.post_leads({"id": "crm-3", "name": "Lead 3", "owner": None}).status_code == 202

    new = delivered(slack, "UREP3", "Lead 3")  # never back to Rita, who had it
    assert "round robin among the working reps of the team" in str(new.blocks)
    wait_update(slack, old, "No longer yours")
    wait_update(slack, old, "<@UREP3> has this hot lead now")
    lead = load_lead(running, "crm-3")
    assert lead.owner_id == "UREP3" and lead.assigned_how == AssignedHow.ROUND_ROBIN
    assert sales_offers(running) == 0


def test_unassigned_with_nobody_else_working_it_is_offered_saying_why(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    away(running, "UREP2", "UREP3")
    assert running.post_leads(new_lead(4, owner="UREP1")).status_code == 202
    old = delivered(slack, "UREP1", "Lead 4")
    assert running.post_leads({"id": "crm-4", "name": "Lead 4", "owner": None}).status_code == 202
    offer = delivered(slack, "CSALES", "Lead 4")
    assert "nobody else in the team is working and free now" in str(offer.blocks)
    wait_update(slack, old, "this hot lead has no owner now")


def test_a_resend_without_an_owner_keeps_the_owner_handoff_chose(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    assert running.post_leads(new_lead(5)).status_code == 202
    delivered(slack, "UREP3", "Lead 5")  # round robin chose Noah
    # The CRM still has no owner for it, and says so with every update.
    resend = {"id": "crm-5", "name": "Lead 5", "score": 97, "owner": None, "owner_email": ""}
    response = running.post_leads(resend)
    assert response.status_code == 202 and response.json()["updated"] == 1
    lead = load_lead(running, "crm-5")
    assert lead.owner_id == "UREP3" and lead.assigned_how == AssignedHow.ROUND_ROBIN
    assert lead.score == 97
    assert mentions_of(running, "No longer yours") == 0
    assert sales_offers(running) == 0


@pytest.mark.parametrize("routing", ["channel", "round_robin"])
def test_a_claimed_or_routed_lead_resent_without_an_owner_keeps_it(
    settings: Settings, slack: FakeSlackServer, db_url: str, routing: str
) -> None:
    config = replace(app_settings(settings, slack.url, db_url), routing=routing)
    with RunningApp(config) as app:
        seed_team(app.handoff.db, slack.fake)
        away(app, "UREP1", "UREP3")  # round robin gives it to Ravi; or it is offered
        assert app.post_leads(new_lead(6)).status_code == 202
        if routing == "channel":
            offer = delivered(slack, "CSALES", "Lead 6")
            lead = str(lead_id(app, "crm-6"))
            click(app, slack, offer, LeadIds.CLAIM, lead, user="UREP2", block_id="c")
        delivered(slack, "UREP2", "Lead 6")
        resend = {"id": "crm-6", "name": "Lead 6", "score": 90, "owner": None}
        assert app.post_leads(resend).status_code == 202
        lead = load_lead(app, "crm-6")
        how = AssignedHow.CLAIMED if routing == "channel" else AssignedHow.ROUND_ROBIN
        assert lead.owner_id == "UREP2" and lead.assigned_how == how
        assert mentions_of(app, "No longer yours") == 0


def test_a_worked_lead_the_crm_unassigns_is_offered_to_nobody(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    assert running.post_leads(new_lead(7, owner="UREP1")).status_code == 202
    alert = delivered(slack, "UREP1", "Lead 7")
    lead = str(lead_id(running, "crm-7"))
    click(running, slack, alert, LeadIds.CONTACTED, lead, user="UREP1")
    wait_update(slack, alert, "Contacted")
    assert running.post_leads({"id": "crm-7", "name": "Lead 7", "owner": None}).status_code == 202
    wait_update(slack, alert, "this hot lead has no owner now")
    stored = load_lead(running, "crm-7")
    assert stored.owner_id is None and stored.status == "contacted"
    assert sales_offers(running) == 0
    with running.handoff.db.session() as session:
        assert session.scalars(select(RoutingDecision)).all() == []
