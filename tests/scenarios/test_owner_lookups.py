"""An owner_email off the roster is looked up in Slack after the 202, in the background,
deduplicated, cached and retried; the hot lead's alert waits for the answer (OWNER_LOOKUP_WAIT)
before it is offered in #sales, and a late answer still gives the lead to the rep."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.models import Lead, OutboxMessage, OwnerLookup
from tests.scenarios.test_alerts_support import delivered, load_lead, wait_update
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp, app_settings
from tests.support.team import seed_team

LOOKUP = "users.lookupByEmail"


@pytest.fixture
def app_config(settings: Settings, slack: FakeSlackServer, db_url: str) -> Settings:
    return app_settings(
        settings,
        slack.url,
        db_url,
        owner_lookup_wait=timedelta(seconds=30),
        owner_lookups_per_minute=6000,
    )


def new_lead(n: int, **fields: object) -> dict[str, object]:
    return {"id": f"crm-{n}", "name": f"Lead {n}", "score": 95, **fields}


def lookups_left(app: RunningApp) -> int:
    with app.handoff.db.session() as session:
        return session.scalar(select(func.count()).select_from(OwnerLookup)) or 0


def wait_until_looked_up(app: RunningApp, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while lookups_left(app):
        assert time.monotonic() < deadline, f"{lookups_left(app)} lookups still owed"
        time.sleep(0.1)


def sales_offers(app: RunningApp) -> int:
    with app.handoff.db.session() as session:
        query = select(func.count()).where(OutboxMessage.key.like("lead:%:claim"))
        return session.scalar(query) or 0


def test_lookup_recovers_within_the_wait(running: RunningApp, slack: FakeSlackServer) -> None:
    slack.fake.add_user("UNEWREP", "Nina New", email="nina@example.com")
    slack.fake.fail_next(LOOKUP, status=503, count=2)
    slack.fake.fail_next(LOOKUP, status=429, count=1, retry_after=1)
    response = running.post_leads(new_lead(1, owner_email="nina@example.com"))
    assert response.status_code == 202

    alert = delivered(slack, "UNEWREP", "Lead 1", timeout=20)
    assert alert.blocks
    assert len(slack.fake.calls_to(LOOKUP, status=None)) == 4  # 503, 503, 429, then the answer
    lead = load_lead(running, "crm-1")
    assert lead.owner_id == "UNEWREP" and not lead.owner_pending
    assert lead.owner_wait_until is None  # nothing left that could offer it in #sales
    assert sales_offers(running) == 0
    assert not slack.fake.messages_in("CSALES")


@pytest.mark.parametrize("wait", [timedelta(seconds=1)])
def test_lookup_failing_past_the_wait_offers_then_hands_to_the_rep(
    settings: Settings, slack: FakeSlackServer, db_url: str, wait: timedelta
) -> None:
    config = app_settings(
        settings, slack.url, db_url, owner_lookup_wait=wait, owner_lookups_per_minute=6000
    )
    with RunningApp(config) as app:
        seed_team(app.handoff.db, slack.fake)
        slack.fake.add_user("UNEWREP", "Nina New", email="nina@example.com")
        slack.fake.fail_for(600, status=503, method=LOOKUP)
        assert app.post_leads(new_lead(2, owner_email="nina@example.com")).status_code == 202

        offer = delivered(slack, "CSALES", "Lead 2", timeout=20)
        assert load_lead(app, "crm-2").owner_id is None
        assert slack.fake.calls_to(LOOKUP, status=503)
        slack.fake.heal()

        alert = delivered(slack, "UNEWREP", "Lead 2", timeout=30)
        assert alert.blocks
        update = wait_update(slack, offer, "<@UNEWREP>", timeout=20)
        assert "Assigned to" in str(update["blocks"])
        assert not any(b["type"] == "actions" for b in update["blocks"])  # no Claim button
        lead = load_lead(app, "crm-2")
        assert lead.owner_id == "UNEWREP" and not lead.owner_pending
        assert lead.next_due_at is not None  # on the ladder


def test_a_500_lead_batch_answers_before_any_lookup(
    app_config: Settings, slack: FakeSlackServer
) -> None:
    with RunningApp(app_config, start_dispatcher=False) as app:  # no background work yet
        seed_team(app.handoff.db, slack.fake)
        for n in range(0, 500, 50):
            slack.fake.add_user(f"UBULK{n}", f"Bulk {n}", email=f"owner{n}@example.com")
        slack.fake.reset_calls()
        batch = [new_lead(n, score=10, owner_email=f"owner{n}@example.com") for n in range(500)]
        response = app.post_leads(batch)
        assert response.status_code == 202 and response.json()["accepted"] == 500
        assert slack.fake.calls == []  # not one Slack call inside the request
        assert lookups_left(app) == 500

        app.handoff.start()
        wait_until_looked_up(app)
        assert len(slack.fake.calls_to(LOOKUP)) == 500
        with app.handoff.db.session() as session:
            owners = dict(session.execute(select(Lead.external_id, Lead.owner_id)).all())
            pending = session.scalar(select(func.count()).where(Lead.owner_pending.is_(True)))
        assert owners["crm-0"] == "UBULK0" and owners["crm-450"] == "UBULK450"
        assert owners["crm-1"] is None
        assert sum(owner is not None for owner in owners.values()) == 10
        assert pending == 0


def test_lookups_are_deduplicated_and_cached(running: RunningApp, slack: FakeSlackServer) -> None:
    slack.fake.add_user("UNEWREP", "Nina New", email="nina@example.com")
    batch = [new_lead(n, score=10, owner_email="NINA@example.com") for n in range(5)]
    assert running.post_leads(batch).status_code == 202
    wait_until_looked_up(running)
    assert len(slack.fake.calls_to(LOOKUP)) == 1
    assert running.post_leads(new_lead(9, owner_email="nina@example.com")).status_code == 202
    assert load_lead(running, "crm-9").owner_id == "UNEWREP"  # from the cache, at once
    assert running.post_leads(new_lead(10, owner_email="ghost@example.com")).status_code == 202
    wait_until_looked_up(running)
    assert load_lead(running, "crm-10").owner_id is None
    delivered(slack, "CSALES", "Lead 10", timeout=10)  # no such user: offered without waiting
    assert len(slack.fake.calls_to(LOOKUP)) == 2


def test_a_restart_mid_wait_still_resolves(app_config: Settings, slack: FakeSlackServer) -> None:
    slack.fake.fail_for(600, status=503, method=LOOKUP)
    with RunningApp(app_config) as first:
        seed_team(first.handoff.db, slack.fake)
        slack.fake.add_user("UNEWREP", "Nina New", email="nina@example.com")
        assert first.post_leads(new_lead(4, owner_email="nina@example.com")).status_code == 202
        slack.fake.wait_for(LOOKUP, status=503, timeout=10)
    slack.fake.heal()
    with RunningApp(app_config) as second:
        alert = delivered(slack, "UNEWREP", "Lead 4", timeout=30)
        assert alert.blocks
        lead = load_lead(second, "crm-4")
        assert lead.owner_id == "UNEWREP" and lead.owner_wait_until is None
        assert sales_offers(second) == 0
