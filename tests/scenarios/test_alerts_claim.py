"""Unassigned hot leads in SALES_CHANNEL: the first Claim wins, even at the same moment."""

from __future__ import annotations

import threading
import time

from bot.ids import LeadIds
from tests.scenarios.test_alerts_support import (
    action_ids,
    click,
    delivered,
    hot_lead,
    lead_id,
    load_lead,
    refusals,
    wait_update,
)
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.outbox_rows import outbox_messages
from tests.support.running_app import RunningApp

NAMES = {"UREP1": "Rita Rep", "UREP2": "Ravi Rep"}


def test_two_simultaneous_claims_one_winner(running: RunningApp, slack: FakeSlackServer) -> None:
    winners: dict[str, str] = {}
    for round_ in range(5):  # several races, so a lucky ordering cannot hide a bug
        name = f"Contested Lead {round_}"
        running.post_leads(hot_lead(f"race-{round_}", name=name, owner=None))
        offer = delivered(slack, "CSALES", name)
        lead = str(lead_id(running, f"crm-race-{round_}"))
        start = threading.Barrier(2)

        def claim(user: str, offer=offer, lead=lead, start=start) -> None:  # type: ignore[no-untyped-def]
            start.wait()
            click(running, slack, offer, LeadIds.CLAIM, lead, user=user, block_id="c")

        threads = [threading.Thread(target=claim, args=(user,)) for user in NAMES]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)

        # The listeners run after their ack: the loser's answer comes once both are done.
        slack.fake.wait_for(
            "response_url",
            count=round_ + 1,
            predicate=lambda a: "already claimed it" in a.get("text", ""),
        )
        winner = load_lead(running, f"crm-race-{round_}").owner_id
        assert winner in NAMES
        loser = next(user for user in NAMES if user != winner)
        answer = refusals(slack, "already claimed it")[-1]
        assert answer["text"] == f"{NAMES[winner]} already claimed it."
        update = wait_update(slack, offer, f"Claimed by <@{winner}>")
        assert action_ids(update["blocks"]) == []
        alert = delivered(slack, winner, name)
        assert LeadIds.ACK in action_ids(alert.blocks)
        assert load_lead(running, f"crm-race-{round_}").next_due_at is not None  # on the ladder
        assert not [m for m in slack.fake.messages_in(loser) if name in m.text]
        winners[lead] = winner
    time.sleep(0.2)
    assert len(refusals(slack, "already claimed it")) == 5
    # The database agrees: one alert queued per lead, to its winner, and nothing to the losers.
    alerts = [
        row.key
        for row in outbox_messages(running.handoff.db, "chat.postMessage")
        if ":alert:" in (row.key or "")
    ]
    assert sorted(alerts) == sorted(f"lead:{lead}:alert:{user}" for lead, user in winners.items())


def test_people_off_the_roster_cannot_claim(running: RunningApp, slack: FakeSlackServer) -> None:
    running.post_leads(hot_lead(1, name="Guarded Lead", owner=None))
    offer = delivered(slack, "CSALES", "Guarded Lead")
    lead = str(lead_id(running, "crm-1"))
    for stranger in ("UMKT1", "UOUTSIDER"):
        click(running, slack, offer, LeadIds.CLAIM, lead, user=stranger, block_id="c")
    slack.fake.wait_for(
        "response_url", count=2, predicate=lambda a: "roster can claim" in a.get("text", "")
    )
    assert load_lead(running, "crm-1").owner_id is None
