"""ALERT_BURST folding through the running app: POST /leads, signed clicks, the fake Slack, and
a controlled clock (time-machine) to say when a minute has passed."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import select

from bot.config import Settings
from bot.ids import LadderIds, LeadIds
from bot.messages import validate_blocks
from bot.models import Campaign, Lead
from sandbox.fakeslack.models import Message
from tests.scenarios.test_alerts_support import click, hot_lead, lead_id, load_lead, wait_update
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp, app_settings
from tests.support.team import seed_team

START = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # a Tuesday afternoon


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(START, tick=True) as traveller:
        yield traveller


@pytest.fixture
def app_config(
    settings: Settings, slack: FakeSlackServer, db_url: str, clock: time_machine.Coordinates
) -> Settings:
    return app_settings(settings, slack.url, db_url)


def add_campaign(running: RunningApp) -> None:
    with running.handoff.db.session() as session:
        session.add(Campaign(code="webinar", name="Autumn Webinar"))


def post(running: RunningApp, leads: list[dict[str, Any]]) -> None:
    response = running.post_leads(leads)
    assert response.status_code == 202, response.text


def fold_of(slack: FakeSlackServer, channel: str, words: str, timeout: float = 5.0) -> Message:
    """The one fold message in `channel`, once its current text (posted or updated) has `words`."""
    deadline = time.monotonic() + timeout
    while True:
        folds = [m for m in slack.fake.messages_in(channel) if "more hot lead" in m.text]
        if (folds and words in folds[-1].text) or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert len(folds) == 1, [m.text for m in folds]
    assert words in folds[0].text, folds[0].text
    return folds[0]


def alerts_in(slack: FakeSlackServer, channel: str) -> list[Message]:
    return [m for m in slack.fake.messages_in(channel) if m.text.startswith("Hot lead:")]


def rows(message: Message) -> list[dict[str, Any]]:
    return [
        b for b in message.blocks or [] if b.get("block_id", "").startswith(LeadIds.FOLD_ROW + ":")
    ]


def test_past_the_burst_the_rest_fold_into_one_message_updated_in_place(
    running: RunningApp, slack: FakeSlackServer, clock: time_machine.Coordinates
) -> None:
    add_campaign(running)
    hostile = "Eve <!channel> *bold* & Co"
    post(running, [hot_lead(n, campaign="webinar") for n in range(1, 6)])
    post(running, [hot_lead(6, name=hostile, campaign="webinar"), hot_lead(7), hot_lead(8)])
    fold = fold_of(slack, "UREP1", "3 more hot leads for you")
    assert len(alerts_in(slack, "UREP1")) == 5  # ALERT_BURST (5) alerts on their own
    validate_blocks(fold.blocks or [])
    listed = rows(fold)
    assert [r["accessory"]["value"] for r in listed] == [
        str(lead_id(running, f"crm-{n}")) for n in (6, 7, 8)
    ]
    assert all(r["accessory"]["action_id"] == LeadIds.ACK for r in listed)
    assert all(r["accessory"]["text"]["text"] == "I'm on it" for r in listed)
    first = listed[0]["text"]["text"]
    assert "Autumn Webinar" in first and "No campaign" in listed[1]["text"]["text"]
    assert "&lt;!channel&gt;" in first and "&amp; Co" in first and "<!channel>" not in first
    assert listed[0]["text"]["verbatim"] is True

    # Half a minute later the burst goes on: the same message grows, no new one.
    clock.shift(timedelta(seconds=30))
    post(running, [hot_lead(9, name="Late Lead")])
    grown = fold_of(slack, "UREP1", "4 more hot leads for you")
    assert grown.ts == fold.ts and grown.edited
    assert "Late Lead" in json.dumps(grown.blocks)
    assert len(alerts_in(slack, "UREP1")) == 5

    # Each folded lead is on its own ladder, like any alerted lead.
    folded = load_lead(running, "crm-9")
    assert folded.alerted_at is not None and folded.next_due_at is not None

    # A quiet minute later, a new lead has its own alert again.
    clock.shift(timedelta(seconds=61))
    post(running, [hot_lead(10, name="After The Burst")])
    slack.fake.wait_for(
        "chat.postMessage", predicate=lambda a: "After The Burst" in a.get("text", "")
    )
    assert len(alerts_in(slack, "UREP1")) == 6
    assert len([m for m in slack.fake.messages_in("UREP1") if "more hot lead" in m.text]) == 1


def test_im_on_it_from_the_fold_claims_that_lead_and_updates_the_fold(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    post(running, [hot_lead(n) for n in range(1, 8)])
    fold = fold_of(slack, "UREP1", "2 more hot leads for you")
    sixth = str(lead_id(running, "crm-6"))
    click(
        running,
        slack,
        fold,
        LeadIds.ACK,
        sixth,
        user="UREP1",
        block_id=f"{LeadIds.FOLD_ROW}:{sixth}",
    )
    update = wait_update(slack, fold, "<@UREP1> is on it")
    validate_blocks(update["blocks"])
    buttons = {b["block_id"]: b.get("accessory") for b in update["blocks"] if "block_id" in b}
    assert buttons[f"{LeadIds.FOLD_ROW}:{sixth}"] is None  # nothing left to click for it
    seventh = str(lead_id(running, "crm-7"))
    assert buttons[f"{LeadIds.FOLD_ROW}:{seventh}"]["value"] == seventh
    stored = load_lead(running, "crm-6")
    assert stored.status == "claimed" and stored.next_due_at is None


def test_only_the_owner_side_may_act_from_a_fold(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    post(running, [hot_lead(n) for n in range(1, 7)])
    fold = fold_of(slack, "UREP1", "1 more hot lead for you")
    sixth = str(lead_id(running, "crm-6"))
    click(running, slack, fold, LeadIds.ACK, sixth, user="UREP2")
    slack.fake.wait_for("response_url", predicate=lambda a: "Only the lead" in a.get("text", ""))
    assert load_lead(running, "crm-6").status == "new"


def test_bursts_are_counted_per_rep(running: RunningApp, slack: FakeSlackServer) -> None:
    post(running, [hot_lead(n, owner="UREP1" if n % 2 else "UREP2") for n in range(1, 11)])
    for rep, last in (("UREP1", "Lead 9"), ("UREP2", "Lead 10")):
        slack.fake.wait_for(
            "chat.postMessage",
            predicate=lambda a, rep=rep, last=last: (
                a["channel"] == rep  # type: ignore[misc]
                and last in a.get("text", "")
            ),
        )
    assert len(alerts_in(slack, "UREP1")) == 5 and len(alerts_in(slack, "UREP2")) == 5
    assert not [m for m in slack.fake.messages_in("UREP1") if "more hot lead" in m.text]


class TestReassigned:
    def test_a_folded_lead_reassigned_by_the_crm_shows_where_it_went(
        self, running: RunningApp, slack: FakeSlackServer
    ) -> None:
        post(running, [hot_lead(n) for n in range(1, 7)])
        fold = fold_of(slack, "UREP1", "1 more hot lead for you")
        post(running, [hot_lead(6, owner="UREP2")])
        update = wait_update(slack, fold, "now with <@UREP2>")
        assert all("accessory" not in b for b in update["blocks"])
        slack.fake.wait_for(
            "chat.postMessage",
            predicate=lambda a: a["channel"] == "UREP2" and "Lead 6" in a.get("text", ""),
        )


@pytest.fixture
def burst_of_two(settings: Settings, slack: FakeSlackServer, db_url: str) -> Settings:
    return app_settings(
        settings,
        slack.url,
        db_url,
        alert_burst=2,
        hot_lead_sla=timedelta(seconds=1),
        escalate_after=timedelta(seconds=2),
        sweep_interval=timedelta(seconds=1),
    )


class TestEscalations:
    @pytest.fixture
    def app_config(self, burst_of_two: Settings) -> Settings:
        return burst_of_two

    def test_a_managers_escalations_fold_the_same_way(
        self, running: RunningApp, slack: FakeSlackServer
    ) -> None:
        """Four of Maria's reps' leads escalate in one sweep; ALERT_BURST=2: two come on their
        own and two fold into one message with a Nudge button each."""
        post(running, [hot_lead(n, owner="UREP1" if n % 2 else "UREP2") for n in range(1, 5)])
        fold = fold_of(slack, "UMGR1", "2 more hot leads are waiting", timeout=20)
        validate_blocks(fold.blocks or [])
        own = [
            m for m in slack.fake.messages_in("UMGR1") if "A hot lead is waiting" in str(m.blocks)
        ]
        assert len(own) == 2
        listed = rows(fold)
        assert [r["accessory"]["action_id"] for r in listed] == [LadderIds.NUDGE] * 2
        value = listed[0]["accessory"]["value"]
        with running.handoff.db.session() as session:
            lead = session.get(Lead, int(value.split(":")[0]))
            assert lead is not None
            owner = lead.owner_id
        assert owner is not None
        click(
            running,
            slack,
            fold,
            LadderIds.NUDGE,
            value,
            user="UMGR1",
            block_id=listed[0]["block_id"],
        )
        update = wait_update(slack, fold, "was nudged")
        assert "accessory" not in rows_of(update)[0]
        slack.fake.wait_for(
            "chat.postMessage",
            predicate=lambda a: a["channel"] == owner and "UMGR1" in json.dumps(a),
        )


def rows_of(update: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in update["blocks"] if b.get("block_id", "").startswith(LeadIds.FOLD_ROW + ":")]


def test_alert_burst_zero_never_folds(
    settings: Settings, slack: FakeSlackServer, db_url: str
) -> None:
    config = app_settings(settings, slack.url, db_url, alert_burst=0)
    with RunningApp(config) as running:
        seed_team(running.handoff.db, slack.fake)
        post(running, [hot_lead(n) for n in range(1, 9)])
        slack.fake.wait_for(
            "chat.postMessage",
            predicate=lambda a: "Lead 8" in a.get("text", ""),
        )
        with running.handoff.db.session() as session:
            assert len(list(session.scalars(select(Lead.id)))) == 8
    assert len(alerts_in(slack, "UREP1")) == 8
