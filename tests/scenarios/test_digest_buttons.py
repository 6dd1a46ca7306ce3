"""The digest in Slack: it arrives as a DM, "Nudge" DMs the rep (manager or admin only),
"Reassign" opens the alerts' modal and moves the lead, and `/leads stale` answers at once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from bot.digest import build_digests, send_digests
from bot.ids import DigestIds, LeadIds
from bot.messages import validate_blocks
from bot.models import Lead, utcnow
from sandbox.fakeslack.models import Message
from sandbox.fakeslack.workspace import dm_id
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.outbox_rows import outbox_messages
from tests.support.running_app import RunningApp


def add_stale(running: RunningApp, owner: str, name: str, days: float = 3) -> int:
    with running.handoff.db.session() as session:
        lead = Lead(
            external_id=f"stale-{name}",
            name=name,
            owner_id=owner,
            score=60,
            received_at=utcnow() - timedelta(days=days),
        )
        session.add(lead)
        session.flush()
        return lead.id


def send_digest(running: RunningApp, slack: FakeSlackServer, manager: str = "UMGR1") -> Message:
    handoff = running.handoff
    report = send_digests(handoff, build_digests(handoff, [manager], now=utcnow()))
    assert report.sent == [manager]
    slack.fake.wait_for("chat.postMessage", predicate=lambda c: c["channel"] == manager)
    [digest] = [m for m in slack.fake.messages_in(dm_id(manager)) if m.text.startswith("Stale")]
    return digest


def press(
    running: RunningApp, slack: FakeSlackServer, message: Message, block_id: str, *, user: str
) -> None:
    """Click the button of the section `block_id` on `message`, as Slack sends it."""
    block = next(b for b in message.blocks or [] if b.get("block_id") == block_id)
    button = block["accessory"]
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": "T0001"},
        "trigger_id": f"trig.{time.monotonic_ns()}",
        "response_url": slack.response_url(message.channel, user=user, message_ts=message.ts),
        "channel": {"id": message.channel},
        "container": {"type": "message", "message_ts": message.ts, "channel_id": message.channel},
        "message": {"ts": message.ts, "text": message.text, "blocks": message.blocks},
        "actions": [
            {
                "type": "button",
                "action_id": button["action_id"],
                "block_id": block_id,
                "value": button["value"],
                "action_ts": str(time.time()),
            }
        ],
    }
    assert running.slack.interaction(payload).status_code == 200


def reply_to(slack: FakeSlackServer, needle: str) -> dict[str, Any]:
    return slack.fake.wait_for("response_url", predicate=lambda c: needle in c.get("text", ""))[-1]


def dms_to(slack: FakeSlackServer, user: str) -> list[Message]:
    return [m for m in slack.fake.messages_in(dm_id(user)) if not m.thread_ts]


def wait_for_dm(slack: FakeSlackServer, user: str) -> Message:
    slack.fake.wait_for("chat.postMessage", predicate=lambda c: c["channel"] == user)
    return dms_to(slack, user)[-1]


@pytest.fixture
def mid_nudge_window() -> Iterator[None]:
    """A nudge's repeat guard is keyed by a fixed 10-minute window (digest-nudge:<rep>:<n>),
    so a double click that straddles a window's end would count as two nudges. The clock
    (the app's too: request this fixture before `running`) starts 3 minutes into a window
    and ticks."""
    with time_machine.travel(datetime(2026, 11, 25, 15, 3, tzinfo=UTC), tick=True):
        yield


def test_the_digest_arrives_and_nudge_dms_the_rep_once(
    mid_nudge_window: None, running: RunningApp, slack: FakeSlackServer
) -> None:
    add_stale(running, "UREP1", "Ada Lovelace", days=4)
    add_stale(running, "UREP1", "Grace <Hopper>")
    add_stale(running, "UREP2", "Alan Turing")
    digest = send_digest(running, slack)
    validate_blocks(digest.blocks or [])
    assert digest.text.endswith("3 across 2 reps")

    press(running, slack, digest, f"{DigestIds.REP_BLOCK}:UREP1", user="UMGR1")

    reply = reply_to(slack, "Nudged")
    assert reply["text"] == "Nudged Rita Rep about 2 stale leads."
    nudge = wait_for_dm(slack, "UREP1")
    assert "<@UMGR1> asks you to follow up on your 2 untouched leads" in str(nudge.blocks)
    assert "Ada Lovelace" in str(nudge.blocks) and "Grace &lt;Hopper&gt;" in str(nudge.blocks)
    assert "Alan Turing" not in str(nudge.blocks)
    validate_blocks(nudge.blocks or [])

    press(running, slack, digest, f"{DigestIds.REP_BLOCK}:UREP1", user="UMGR1")  # double click
    reply_to(slack, "already nudged")
    time.sleep(0.3)
    assert len(dms_to(slack, "UREP1")) == 1
    assert len(outbox_messages(running.handoff.db, "chat.postMessage", to="UREP1")) == 1


def test_only_the_reps_manager_or_an_admin_may_nudge(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    add_stale(running, "UREP1", "Ada Lovelace")
    digest = send_digest(running, slack)

    press(running, slack, digest, f"{DigestIds.REP_BLOCK}:UREP1", user="UREP2")
    assert reply_to(slack, "Only")["text"] == (
        "Only Rita Rep's manager or an admin can nudge them."
    )
    press(running, slack, digest, f"{DigestIds.REP_BLOCK}:UREP1", user="UOUTSIDER")
    slack.fake.wait_for("response_url", count=2)
    time.sleep(0.3)
    assert dms_to(slack, "UREP1") == []
    assert outbox_messages(running.handoff.db, "chat.postMessage", to="UREP1") == []

    press(running, slack, digest, f"{DigestIds.REP_BLOCK}:UREP1", user="UADMIN")
    reply_to(slack, "Nudged")
    nudge = wait_for_dm(slack, "UREP1")
    assert "<@UADMIN> asks you" in str(nudge.blocks)


def test_nudge_when_the_rep_has_caught_up(running: RunningApp, slack: FakeSlackServer) -> None:
    lead = add_stale(running, "UREP1", "Ada Lovelace")
    digest = send_digest(running, slack)
    with running.handoff.db.session() as session:
        row = session.get(Lead, lead)
        row.status, row.first_touched_at = "contacted", utcnow()
    press(running, slack, digest, f"{DigestIds.REP_BLOCK}:UREP1", user="UMGR1")
    reply_to(slack, "has no stale leads right now")
    assert dms_to(slack, "UREP1") == []


def test_reassign_from_the_digest_opens_the_alerts_modal_and_moves_the_lead(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    lead = add_stale(running, "UREP1", "Ada Lovelace")
    digest = send_digest(running, slack)

    press(running, slack, digest, f"{DigestIds.LEAD_BLOCK}:{lead}", user="UMGR1")

    view = slack.fake.wait_for("views.open")[-1]["view"]
    assert view["callback_id"] == LeadIds.REASSIGN_VIEW
    assert "Ada Lovelace" in str(view["blocks"])
    submission = {
        "type": "view_submission",
        "user": {"id": "UMGR1", "username": "umgr1", "team_id": "T0001"},
        "trigger_id": f"trig.{time.monotonic_ns()}",
        "view": {
            "id": "V0001",
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view.get("private_metadata", ""),
            "state": {
                "values": {
                    LeadIds.REASSIGN_TO_BLOCK: {
                        LeadIds.REASSIGN_TO: {
                            "type": "static_select",
                            "selected_option": {"value": "UREP2"},
                        }
                    }
                }
            },
            "hash": "1.abc",
        },
    }
    assert running.slack.interaction(submission).status_code == 200
    with running.handoff.db.session() as session:
        assert session.get(Lead, lead).owner_id == "UREP2"  # type: ignore[union-attr]
    [after] = build_digests(running.handoff, ["UMGR1"], now=utcnow())
    assert [rep.rep_id for rep in after.reps] == ["UREP2"]


def test_reassign_from_the_digest_is_refused_to_another_rep(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    lead = add_stale(running, "UREP1", "Ada Lovelace")
    digest = send_digest(running, slack)
    press(running, slack, digest, f"{DigestIds.LEAD_BLOCK}:{lead}", user="UREP2")
    slack.fake.wait_for("response_url")
    assert slack.fake.calls_to("views.open") == []


def leads_stale(running: RunningApp, slack: FakeSlackServer, user: str) -> dict[str, Any]:
    before = len(slack.fake.calls_to("response_url"))
    response = running.slack.command(
        "/leads", "stale", user=user, response_url=slack.response_url("CSALES", user=user)
    )
    assert response.status_code == 200
    return slack.fake.wait_for("response_url", count=before + 1)[-1]


def test_leads_stale_shows_the_manager_the_list_as_it_is_now(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    assert leads_stale(running, slack, "UMGR1")["text"] == "No stale leads on your team right now."
    alan = add_stale(running, "UREP2", "Alan Turing", days=3)
    ada = add_stale(running, "UREP1", "Ada Lovelace", days=4)
    grace = add_stale(running, "UREP1", "Grace Hopper", days=5)

    answer = leads_stale(running, slack, "UMGR1")

    assert answer.get("response_type", "ephemeral") == "ephemeral"
    validate_blocks(answer["blocks"])
    assert answer["blocks"][0]["text"]["text"] == "Stale leads right now"
    rows = [b["block_id"] for b in answer["blocks"] if "block_id" in b]
    assert rows == [
        f"{DigestIds.REP_BLOCK}:UREP1",
        f"{DigestIds.LEAD_BLOCK}:{grace}",
        f"{DigestIds.LEAD_BLOCK}:{ada}",
        f"{DigestIds.REP_BLOCK}:UREP2",
        f"{DigestIds.LEAD_BLOCK}:{alan}",
    ]


def test_leads_stale_is_for_managers(running: RunningApp, slack: FakeSlackServer) -> None:
    add_stale(running, "UREP1", "Ada Lovelace")
    answer = leads_stale(running, slack, "UREP1")
    assert answer["text"].startswith("`/leads stale` lists the stale leads of a manager's reps")
    assert "Ada Lovelace" not in str(answer)
