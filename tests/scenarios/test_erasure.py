"""`python app.py leads forget`: after it, no table and no Slack message (as the fake Slack shows
its latest version) holds the lead's details; the figures stay, other leads are untouched, and
the same lead sent again is a new lead."""

from __future__ import annotations

import html
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.digest import build_digests, send_digests
from bot.messages import validate_blocks
from bot.models import Base, Feedback, Lead, OutboxMessage, utcnow
from bot.states import OutboxStatus
from sandbox.fakeslack.models import Message
from tests.scenarios.test_ladder import ladder_config, post_hot_lead, replies, top_level
from tests.support.app_process import app_env, run_app
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp

PLANTED = {
    "name": "Zelda Quixotic",
    "email": "Zelda.Quixotic@example.org",
    "phone": "+1 555 0199 777",
    "company": "Quixotic Widgets",
    "title": "Chief Marker Officer",
    "note": "Met at booth 42, wants a callback",
    "linkedin": "linkedin.com/in/zeldaq-marker",  # an extra field
}
OTHER = {"name": "Grace Hopper", "company": "Compiler Works", "email": "grace@example.org"}


@pytest.fixture
def app_config(settings: Settings, slack: FakeSlackServer, db_url: str) -> Settings:
    return ladder_config(settings, slack, db_url)


def shown(text: str) -> str:
    """What Slack shows of mrkdwn, for searching: date tokens' fallbacks, entities decoded."""
    text = re.sub(r"<!date\^[^|>]*\|([^>]*)>", r"\1", text).replace("\u00ad", "")
    return html.unescape(text).casefold()


def slack_text(slack: FakeSlackServer) -> str:
    """Every message's latest version (text, blocks, attachments) and every Home tab."""
    snapshot = slack.fake.snapshot()
    parts = [
        json.dumps([m.text, m.blocks, m.attachments], ensure_ascii=False)
        for m in slack.fake.messages
    ]
    parts.append(json.dumps(snapshot.get("homes", {}), ensure_ascii=False))
    return shown("\n".join(parts))


def database_text(running: RunningApp) -> str:
    out = []
    with running.handoff.db.session() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)).all():
                out.append(json.dumps([str(value) for value in row], ensure_ascii=False))
    return shown("\n".join(out))


def planted_in(text: str) -> list[str]:
    return [field for field, value in PLANTED.items() if value.casefold() in text]


def settle(running: RunningApp, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with running.handoff.db.session() as session:
            pending = session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.PENDING)
            )
        if not pending:
            return
        assert time.monotonic() < deadline, f"{pending} messages still pending"
        running.handoff.dispatcher.wake()
        time.sleep(0.1)


def lead_row(running: RunningApp, lead_id: int) -> dict[str, Any]:
    with running.handoff.db.session() as session:
        lead = session.get(Lead, lead_id)
        assert lead is not None
        return {c.name: getattr(lead, c.key) for c in Lead.__table__.columns}


def plant_everywhere(running: RunningApp, slack: FakeSlackServer) -> tuple[int, int, Message]:
    """The planted lead's details in every table and Slack message that can hold them: its
    alert, reminder, escalation, a feedback post quoting it, the manager's digest; plus
    another lead that must come through untouched. Returns both leads' ids and the alert."""
    fields = {k: v for k, v in PLANTED.items() if k != "name"}
    lead_id = post_hot_lead(running, "Z-1", name=PLANTED["name"], **fields)
    other_id = post_hot_lead(running, "G-1", **OTHER)
    alert = top_level(slack, "UREP1", PLANTED["name"])
    top_level(slack, "UMGR1", PLANTED["name"], timeout=15)  # the escalation
    assert replies(slack, alert), "the reminder in the alert's thread"
    said = running.slack.command("/feedback", f"{PLANTED['name']} of {PLANTED['company']} liked it")
    assert said.status_code == 200
    top_level(slack, "CMARKETING", "liked it")
    digests = send_digests(running.handoff, build_digests(running.handoff, ["UMGR1"], now=utcnow()))
    assert digests.sent == ["UMGR1"]
    settle(running)
    assert {"name", "email", "phone", "company"} <= set(planted_in(slack_text(slack)))
    assert sorted(planted_in(database_text(running))) == sorted(PLANTED)
    return lead_id, other_id, alert


def assert_erased_everywhere(
    running: RunningApp,
    slack: FakeSlackServer,
    alert: Message,
    leads: tuple[int, int],
    before: dict[str, Any],
) -> dict[str, Any]:
    """After `forget`: no detail in any table or message (each still valid Block Kit), the
    alert says so, the other lead is untouched and the erased lead keeps its figures. Returns
    the erased lead's row."""
    lead_id, other_id = leads
    assert planted_in(database_text(running)) == []
    assert planted_in(slack_text(slack)) == []
    erased = f"lead details erased on {utcnow():%Y-%m-%d}"
    assert shown(slack.fake.find_message(alert.channel, alert.ts).text) == erased  # type: ignore[union-attr]
    for message in slack.fake.messages:
        if message.blocks:
            validate_blocks(message.blocks)
    # The other lead is untouched, in its alert and in the digest they shared.
    assert "grace hopper" in slack_text(slack) and "compiler works" in slack_text(slack)
    assert lead_row(running, other_id)["name"] == "Grace Hopper"
    # The figures stay: times, campaign, stage, owner, score.
    after = lead_row(running, lead_id)
    for kept in ("received_at", "alerted_at", "campaign_code", "status", "owner_id", "score"):
        assert after[kept] == before[kept], kept
    return after


def test_forget_erases_the_lead_everywhere_and_keeps_the_figures(
    running: RunningApp, slack: FakeSlackServer, tmp_path: Path
) -> None:
    lead_id, other_id, alert = plant_everywhere(running, slack)
    assert "grace hopper" in slack_text(slack)
    before = lead_row(running, lead_id)

    env = app_env(slack.url, running.settings.database_url)
    dry = run_app(
        "leads",
        "forget",
        "--email",
        "zelda.QUIXOTIC@example.org",
        "--dry-run",
        env=env,
        cwd=tmp_path,
    )
    assert dry.returncode == 0, dry.stderr
    assert f"Would erase the personal data of 1 lead(s): #{lead_id}." in dry.stdout
    assert "Nothing was changed (dry run)." in dry.stdout
    assert lead_row(running, lead_id) == before

    done = run_app(
        "leads", "forget", "--email", "zelda.QUIXOTIC@example.org", env=env, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert f"Erased the personal data of 1 lead(s): #{lead_id}." in done.stdout
    assert not planted_in(done.stdout + done.stderr)
    settle(running)

    after = assert_erased_everywhere(running, slack, alert, (lead_id, other_id), before)
    assert after["erased_at"] is not None and after["name"] == "(erased)"
    with running.handoff.db.session() as session:
        [feedback] = session.scalars(select(Feedback)).all()
        assert feedback.text == "[erased] of [erased] liked it"

    again = run_app("leads", "forget", "--id", "Z-1", env=env, cwd=tmp_path)
    assert again.returncode == 2
    assert (
        again.stderr.strip().splitlines()[-1] == "Error: no lead with that id; nothing was changed"
    )
    # Sent again later, it is a new lead (and a new alert).
    new_id = post_hot_lead(running, "Z-1", name=PLANTED["name"])
    assert new_id != lead_id


def test_forget_needs_exactly_one_of_email_and_id(tmp_path: Path) -> None:
    env = app_env("http://127.0.0.1:9/api/", f"sqlite:///{tmp_path / 'h.db'}")
    neither = run_app("leads", "forget", env=env, cwd=tmp_path)
    assert neither.returncode == 2
    assert "one of the arguments --email --id is required" in neither.stderr
    unknown = run_app("leads", "forget", "--email", "nobody@example.org", env=env, cwd=tmp_path)
    assert unknown.returncode == 2
    assert (
        unknown.stderr.strip().splitlines()[-1]
        == "Error: no lead with that email; nothing was changed"
    )
