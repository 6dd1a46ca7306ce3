"""Who has not read a brief (issue 14, Found 7): the marketer who posted it and admins see the
list privately from the announcement; nobody else does."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select

from bot.ids import CampaignIds
from bot.messages import validate_blocks
from bot.models import CampaignRead
from sandbox.fakeslack import Message
from tests.scenarios.campaign_steps import click_announcement, click_got_it, create_campaign
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp


def read_by(running: RunningApp, slack_id: str) -> bool:
    with running.handoff.db.session() as session:
        return (
            session.scalar(select(CampaignRead.id).where(CampaignRead.slack_id == slack_id))
            is not None
        )


def is_answer(args: dict[str, Any]) -> bool:
    text = args.get("text", "")
    return any(words in text for words in ("not read", "Only the marketer", "has read"))


def ask_who_has_not_read(
    running: RunningApp, slack: FakeSlackServer, message: Message, user: str
) -> dict[str, Any]:
    before = len([a for a in slack.fake.calls_to("response_url") if is_answer(a)])
    click_announcement(running, slack, message, user, CampaignIds.UNREAD)
    return slack.fake.wait_for("response_url", count=before + 1, predicate=is_answer)[-1]


def test_the_marketer_and_admins_see_who_has_not_read_the_brief(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    brief = create_campaign(running, slack, user="UMKT1")
    assert click_got_it(running, slack, brief, "UREP1").status_code == 200
    # The click is acked first and recorded just after: wait for the read itself.
    deadline = time.monotonic() + 10
    while not read_by(running, "UREP1"):
        assert time.monotonic() < deadline, "the read was never recorded"
        time.sleep(0.05)

    for viewer in ("UMKT1", "UADMIN"):
        answer = ask_who_has_not_read(running, slack, brief, viewer)
        assert answer.get("response_type") == "ephemeral"
        validate_blocks(answer["blocks"])
        shown = str(answer["blocks"])
        for unread in ("<@UMGR1>", "<@UREP2>", "<@UREP3>"):
            assert unread in shown
        assert "<@UREP1>" not in shown and "<@UMKT1>" not in shown and "(3)" in shown

    refusal = ask_who_has_not_read(running, slack, brief, "UREP2")
    assert "Only the marketer who posted this brief, or an admin" in refusal["text"]
    assert "<@UMGR1>" not in str(refusal)
