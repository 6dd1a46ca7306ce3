"""bot.erasure without Slack: finding details however they were rendered, replacing only the
lines that hold them, the lead's own messages even after their rows were pruned, two leads
erased from one digest, the Home tab, and a dry run that changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.db import Database
from bot.erasure import NoSuchLead, forget
from bot.erasure.scrub import details, plain, scrub
from bot.messages import render_message
from bot.models import Lead, OutboxMessage, SlackMessage
from bot.states import OutboxStatus

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
NOTICE = "Lead details erased on 2026-11-25"


def add_lead(db: Database, external_id: str, name: str, **fields: object) -> int:
    with db.session() as session:
        lead = Lead(external_id=external_id, name=name, owner_id="UREP1", **fields)
        session.add(lead)
        session.flush()
        return lead.id


def sent(db: Database, key: str | None, method: str, args: dict, **row: object) -> None:
    with db.session() as session:
        session.add(OutboxMessage(key=key, method=method, args=args, status="sent", **row))
        if key is not None and method == "chat.postMessage":
            session.add(SlackMessage(key=key, channel=str(args.get("channel")), ts="1.000100"))


def erased_ids(db: Database) -> list[int]:
    with db.session() as session:
        return list(session.scalars(select(Lead.id).where(Lead.erased_at.is_not(None))))


def queued(db: Database) -> list[OutboxMessage]:
    with db.session() as session:
        return list(
            session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.PENDING)
                .order_by(OutboxMessage.id)
            )
        )


def test_details_are_found_however_they_were_rendered() -> None:
    message = render_message("lead_alert_back", lead=Lead(name="*Ada* <Lovelace> & co"))
    assert "*ada* <lovelace> & co" in plain(message.text)
    lead = Lead(
        name="Ada", email="ADA@X.ORG", phone="12", note="line one\nline two", extra={"k": 7}
    )
    assert details(lead) == ["ada@x.org", "line one", "line two", "ada"]  # "12" and 7: too short


def test_only_the_lines_that_hold_a_detail_are_replaced() -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "Ada waits 2h\nGrace 3h"}}]
    assert scrub(blocks, ["ada"], "gone") == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "gone\nGrace 3h"}}
    ]


def test_own_messages_are_edited_even_when_their_rows_were_pruned(db: Database) -> None:
    lead_id = add_lead(db, "L-1", "Ada Lovelace")
    with db.session() as session:  # only where the alert landed is left
        session.add(SlackMessage(key=f"lead:{lead_id}:alert:UREP1", channel="D1", ts="1.0"))
    result = forget(db, external_id="L-1", now=NOW)
    assert result.counts["edits"] == 1
    [update] = queued(db)
    assert update.method == "chat.update" and update.target_key == f"lead:{lead_id}:alert:UREP1"
    assert update.args["text"] == NOTICE and update.args["channel"] == "D1"


def test_two_leads_erased_from_one_digest_each_edit_it(db: Database) -> None:
    add_lead(db, "L-1", "Ada Lovelace")
    add_lead(db, "L-2", "Grace Hopper")
    add_lead(db, "L-3", "Alan Turing")
    text = "Ada Lovelace 2h\nGrace Hopper 3h\nAlan Turing 4h"
    sent(db, "digest:UMGR1:2026-11-25", "chat.postMessage", {"channel": "UMGR1", "text": text})
    forget(db, external_id="L-1", now=NOW)
    forget(db, external_id="L-2", now=NOW)
    updates = queued(db)  # one edit each (the first's row is cleaned of Grace too)
    assert [u.key for u in updates] == [
        f"erase:{n}:digest:UMGR1:2026-11-25" for n in sorted(erased_ids(db))
    ]
    assert [u.args["text"] for u in updates] == [f"{NOTICE}\n{NOTICE}\nAlan Turing 4h"] * 2
    with db.session() as session:
        [post] = session.scalars(
            select(OutboxMessage).where(OutboxMessage.method == "chat.postMessage")
        ).all()
        assert post.args["text"] == f"{NOTICE}\n{NOTICE}\nAlan Turing 4h"


def test_a_home_tab_showing_the_lead_is_published_again(db: Database) -> None:
    add_lead(db, "L-1", "Ada Lovelace")
    view = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Ada Lovelace"}}],
    }
    sent(db, None, "views.publish", {"user_id": "UREP1", "view": view})
    assert forget(db, external_id="L-1", now=NOW).counts["homes"] == 1
    [publish] = queued(db)
    assert publish.method == "views.publish" and publish.args["user_id"] == "UREP1"
    assert publish.args["view"]["blocks"][0]["text"]["text"] == NOTICE


def test_a_dry_run_changes_nothing(db: Database) -> None:
    lead_id = add_lead(db, "L-1", "Ada Lovelace", email="ada@example.org")
    sent(
        db,
        f"lead:{lead_id}:alert:UREP1",
        "chat.postMessage",
        {"channel": "UREP1", "text": "Ada Lovelace"},
    )
    result = forget(db, email="ADA@example.org", dry_run=True, now=NOW)
    assert result.leads == [lead_id] and result.counts["edits"] == 1
    assert result.lines()[0] == f"Would erase the personal data of 1 lead(s): #{lead_id}."
    assert queued(db) == []
    with db.session() as session:
        lead = session.get(Lead, lead_id)
        assert lead is not None and lead.name == "Ada Lovelace" and lead.erased_at is None
    forget(db, email="ada@example.org", now=NOW)
    with pytest.raises(NoSuchLead):  # an erased lead is not found again
        forget(db, email="ada@example.org", now=NOW)


def test_a_message_whose_newest_version_no_longer_shows_the_lead_is_left_alone(
    db: Database,
) -> None:
    add_lead(db, "L-1", "Ada Lovelace")
    key = "lead-summary:UREP1:2026112510"
    sent(db, key, "chat.postMessage", {"channel": "UREP1", "text": "Ada Lovelace waits"})
    sent(db, None, "chat.update", {"channel": "UREP1", "text": "All caught up"}, target_key=key)
    counts = forget(db, external_id="L-1", now=NOW).counts
    assert counts["rows"] == 1 and counts["edits"] == 0
    assert queued(db) == []
