"""`/leads`: the caller's open hot leads, ephemeral, oldest first, with working buttons."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.ids import LeadIds
from bot.messages import validate_blocks
from bot.models import Lead, utcnow
from tests.scenarios.test_alerts_support import action_ids, click, delivered, wait_update
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp


def add_leads(running: RunningApp, *leads: Lead) -> None:
    with running.handoff.db.session() as session:
        session.add_all(leads)


def ask(running: RunningApp, slack: FakeSlackServer, text: str = "", user: str = "UREP1") -> dict:
    url = slack.response_url("CSALES", user)
    assert running.slack.command("/leads", text, user=user, response_url=url).status_code == 200
    return slack.fake.wait_for("response_url")[-1]


def test_lists_open_hot_leads_oldest_first(running: RunningApp, slack: FakeSlackServer) -> None:
    now = utcnow()
    add_leads(
        running,
        Lead(external_id="n", name="Newest Nina", hot=True, owner_id="UREP1", received_at=now),
        Lead(
            external_id="o",
            name="Oldest Olga",
            hot=True,
            owner_id="UREP1",
            status="snoozed",
            snoozed_until=now + timedelta(hours=1),
            received_at=now - timedelta(hours=3),
        ),
        Lead(
            external_id="m",
            name="Middle Max",
            hot=True,
            owner_id="UREP1",
            status="claimed",
            received_at=now - timedelta(hours=1),
        ),
        Lead(external_id="d", name="Done Dora", hot=True, owner_id="UREP1", status="contacted"),
        Lead(external_id="x", name="Unfit Uma", hot=True, owner_id="UREP1", status="not_fit"),
        Lead(external_id="c", name="Cold Carl", hot=False, owner_id="UREP1"),
        Lead(external_id="r", name="Ravi's Rahul", hot=True, owner_id="UREP2"),
    )
    answer = ask(running, slack)
    assert answer.get("response_type", "ephemeral") == "ephemeral"
    validate_blocks(answer["blocks"])
    body = json.dumps(answer["blocks"], ensure_ascii=False)
    positions = [body.index(name) for name in ("Oldest Olga", "Middle Max", "Newest Nina")]
    assert positions == sorted(positions)
    for absent in ("Done Dora", "Unfit Uma", "Cold Carl", "Rahul"):
        assert absent not in body
    assert "snoozed until <!date^" in body and "you are on it" in body
    assert "(3)" in body
    rows = [b for b in answer["blocks"] if b["type"] == "actions"]
    assert [b["block_id"].split(":")[0] for b in rows] == [LeadIds.LIST_ACTIONS] * 3
    assert LeadIds.ACK in action_ids([rows[2]])  # the new one
    assert LeadIds.ACK not in action_ids([rows[1]])  # already claimed


def test_a_long_list_stays_within_slacks_limits(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    now = utcnow()
    add_leads(
        running,
        *(
            Lead(
                external_id=f"l{n}",
                name=f"Lead {n:02d}",
                hot=True,
                owner_id="UREP1",
                received_at=now - timedelta(minutes=60 - n),
            )
            for n in range(30)
        ),
    )
    answer = ask(running, slack)
    assert len(answer["blocks"]) <= 50
    validate_blocks(answer["blocks"])
    body = json.dumps(answer["blocks"], ensure_ascii=False)
    assert "Lead 00" in body and "Lead 29" not in body
    assert "…and 10 more" in body


def test_nothing_open(running: RunningApp, slack: FakeSlackServer) -> None:
    assert "no open hot leads" in ask(running, slack, user="UREP3")["text"]


def test_unknown_subcommands_get_usage(running: RunningApp, slack: FakeSlackServer) -> None:
    answer = ask(running, slack, "frobnicate")
    assert "Usage: `/leads`" in answer["text"]
    assert answer.get("response_type") == "ephemeral"


def test_a_button_in_the_list_acts_and_redraws_it(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    running.post_leads({"id": "crm-1", "name": "Listed Lisa", "score": 95, "owner": "UREP1"})
    alert = delivered(slack, "UREP1", "Listed Lisa")
    ask(running, slack)
    [listing] = slack.fake.ephemerals_for("UREP1")
    row = next(b for b in listing.blocks or [] if b["type"] == "actions")
    contacted = next(e for e in row["elements"] if e["action_id"] == LeadIds.CONTACTED)
    click(
        running,
        slack,
        None,
        LeadIds.CONTACTED,
        contacted["value"],
        user="UREP1",
        block_id=row["block_id"],
        ephemeral_ts=listing.ts,
    )
    wait_update(slack, alert, "Contacted · <@UREP1>")  # the DM alert, in place
    slack.fake.wait_for(
        "response_url", predicate=lambda a: a.get("replace_original") in (True, "true")
    )
    [redrawn] = slack.fake.ephemerals_for("UREP1")
    assert "Listed Lisa" not in json.dumps(redrawn.blocks)
    assert "no open hot leads" in redrawn.text
