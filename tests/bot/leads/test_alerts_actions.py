"""What the alert's buttons do to a lead, as services (no Slack)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.db import Database
from bot.errors import Refusal
from bot.ids import FeedbackIds, LeadIds
from bot.keys import alert_key
from bot.leads import actions
from bot.leads.intake import LeadChange
from bot.leads.listener import on_lead_change
from bot.models import Campaign, Feedback, Lead, OutboxMessage, utcnow
from bot.people import SlackDirectory
from bot.workhours import WorkingHours

NOW = datetime(2025, 3, 7, 15, 0, tzinfo=UTC)  # a Friday, 10:00 in New York
NY = ZoneInfo("America/New_York")


@pytest.fixture
def lead_id(team: Database, settings: Settings, directory: SlackDirectory) -> int:
    """A hot lead owned by UREP1, alerted (its alert queued) and on the clock."""
    with team.session() as session:
        session.add(Campaign(code="spring", name="Spring webinar"))
        session.flush()
        lead = Lead(
            external_id="x1",
            name="Ada",
            hot=True,
            owner_id="UREP1",
            campaign_code="spring",
            received_at=NOW,
        )
        session.add(lead)
        session.flush()
        change = LeadChange(lead, True, None, True)
        on_lead_change(session, change, settings=settings, directory=directory)
        return lead.id


def load(db: Database, lead_id: int) -> Lead:
    with db.session() as session:
        lead = session.get(Lead, lead_id)
        assert lead is not None
        return lead


def last_update(db: Database, lead_id: int, owner: str = "UREP1") -> dict[str, Any]:
    with db.session() as session:
        row = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.target_key == alert_key(lead_id, owner))
            .order_by(OutboxMessage.id.desc())
        ).first()
        assert row is not None and row.method == "chat.update"
        return row.args


def buttons(args: dict[str, Any]) -> list[str]:
    return [e["action_id"] for b in args["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_im_on_it_claims_stops_the_clock_and_updates_the_alert(
    team: Database, lead_id: int
) -> None:
    with team.session() as session:
        actions.acknowledge(session, lead_id, "UREP1", now=NOW)
    lead = load(team, lead_id)
    assert (lead.status, lead.status_by, lead.status_at) == ("claimed", "UREP1", NOW)
    assert lead.first_touched_at == NOW and lead.next_due_at is None
    update = last_update(team, lead_id)
    assert update["channel"] == "UREP1"
    assert "<@UREP1> is on it" in str(update["blocks"]) and "<!date^" in str(update["blocks"])
    assert LeadIds.ACK not in buttons(update)
    assert LeadIds.CONTACTED in buttons(update)


def test_contacted_keeps_the_first_touch_and_leaves_few_buttons(
    team: Database, lead_id: int
) -> None:
    with team.session() as session:
        actions.acknowledge(session, lead_id, "UREP1", now=NOW)
    with team.session() as session:
        actions.mark_contacted(session, lead_id, "UMGR1", now=NOW + timedelta(minutes=5))
    lead = load(team, lead_id)
    assert lead.status == "contacted" and lead.status_by == "UMGR1"
    assert lead.first_touched_at == NOW
    assert buttons(last_update(team, lead_id)) == [
        LeadIds.NOT_FIT,
        FeedbackIds.LEAD_FEEDBACK_BUTTON,
        LeadIds.OUTCOME,  # the outcome menu: Meeting booked, Won, Lost
    ]
    with team.session() as session, pytest.raises(Refusal, match="already marked it contacted"):
        actions.acknowledge(session, lead_id, "UREP1", now=NOW)


def test_strangers_cannot_act(team: Database, lead_id: int) -> None:
    for outsider in ("UREP2", "UMKT1", "UOUTSIDER"):
        with team.session() as session, pytest.raises(Refusal, match="Only the lead's owner"):
            actions.acknowledge(session, lead_id, outsider, now=NOW)
    assert load(team, lead_id).status == "new"


def test_snooze_parks_the_lead(
    team: Database, lead_id: int, settings: Settings, directory: SlackDirectory
) -> None:
    with team.session() as session:
        actions.snooze(
            session, lead_id, "UREP1", choice="1h", settings=settings, directory=directory, now=NOW
        )
    lead = load(team, lead_id)
    assert lead.status == "snoozed"
    assert lead.snoozed_until == lead.next_due_at == NOW + timedelta(hours=1)
    update = last_update(team, lead_id)
    assert "Snoozed by <@UREP1> until" in str(update["blocks"])
    assert LeadIds.ACK in buttons(update) and LeadIds.WAKE in buttons(update)  # change or cancel
    assert LeadIds.SNOOZE in buttons(update)


def test_an_unknown_snooze_length_is_refused(
    team: Database, lead_id: int, settings: Settings, directory: SlackDirectory
) -> None:
    with team.session() as session, pytest.raises(Refusal, match="snooze length"):
        actions.snooze(
            session, lead_id, "UREP1", choice="9y", settings=settings, directory=directory, now=NOW
        )


def test_tomorrow_is_the_next_working_morning_in_the_owners_zone() -> None:
    office = WorkingHours.parse("Mon-Fri 08:00-18:00")
    friday = actions.snooze_until("tomorrow", now=NOW, zone=NY, hours=office)
    assert friday == datetime(2025, 3, 10, 8, 0, tzinfo=NY)  # Monday 08:00 New York
    always = WorkingHours.parse("always")
    assert actions.snooze_until("tomorrow", now=NOW, zone=NY, hours=always) == datetime(
        2025, 3, 8, 9, 0, tzinfo=NY
    )
    assert actions.snooze_until("30m", now=NOW, zone=NY, hours=office) == NOW + timedelta(
        minutes=30
    )


def test_not_a_fit_is_stored_as_lead_quality_feedback(
    team: Database, lead_id: int, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    told: list[Feedback] = []
    monkeypatch.setattr(
        actions,
        "record_lead_quality",
        lambda session, *, settings, feedback: told.append(feedback),
    )
    with team.session() as session:
        actions.mark_not_fit(
            session,
            lead_id,
            "UREP1",
            reason="no_budget",
            note="Pilot only next year",
            settings=settings,
            now=NOW,
        )
    lead = load(team, lead_id)
    assert lead.status == "not_fit" and lead.next_due_at is None
    with team.session() as session:
        feedback = session.scalars(select(Feedback)).one()
        campaign = session.scalars(select(Campaign)).one()
    assert feedback.kind == "lead_quality" and feedback.lead_id == lead_id
    assert feedback.campaign_id == campaign.id
    assert feedback.tags == ["no_budget"]
    assert feedback.text == "No budget: Pilot only next year"
    assert [f.id for f in told] == [feedback.id]
    update = last_update(team, lead_id)
    assert "Not a fit (No budget)" in str(update["blocks"])
    assert buttons(update) == [FeedbackIds.LEAD_FEEDBACK_BUTTON]


def test_not_a_fit_works_without_the_feedback_module(
    team: Database, lead_id: int, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "bot.feedback", None)  # import fails
    with team.session() as session:
        actions.mark_not_fit(
            session, lead_id, "UADMIN", reason="spam", note=None, settings=settings, now=NOW
        )
    with team.session() as session:
        assert session.scalars(select(Feedback.text)).one() == "Spam or fake"


def test_reassign_moves_the_lead_and_restarts_the_clock(
    team: Database, lead_id: int, settings: Settings, directory: SlackDirectory
) -> None:
    with team.session() as session:
        actions.acknowledge(session, lead_id, "UREP1", now=NOW)
    with team.session() as session:
        actions.reassign(
            session, lead_id, "UMGR1", "UREP2", settings=settings, directory=directory, now=NOW
        )
    lead = load(team, lead_id)
    assert lead.owner_id == "UREP2" and lead.owner_email == "ravi@example.com"
    assert lead.status == "new" and lead.next_due_at is not None
    assert "Reassigned to <@UREP2> by <@UMGR1>" in str(last_update(team, lead_id)["blocks"])
    with team.session() as session:
        new_alert = session.scalar(
            select(OutboxMessage).where(OutboxMessage.key == alert_key(lead_id, "UREP2"))
        )
        assert new_alert is not None and new_alert.args["channel"] == "UREP2"
    with team.session() as session, pytest.raises(Refusal, match="Only the lead's owner"):
        actions.acknowledge(session, lead_id, "UREP1", now=NOW)  # no longer theirs


def test_reassign_only_to_roster_reps(
    team: Database, lead_id: int, settings: Settings, directory: SlackDirectory
) -> None:
    for target in ("UMKT1", "UOUTSIDER", "UREP1"):
        with team.session() as session, pytest.raises(Refusal):
            actions.reassign(
                session, lead_id, "UREP1", target, settings=settings, directory=directory, now=NOW
            )
    assert load(team, lead_id).owner_id == "UREP1"


def test_the_first_claim_wins(
    team: Database, settings: Settings, directory: SlackDirectory
) -> None:
    with team.session() as session:
        lead = Lead(external_id="u1", name="Open", hot=True, received_at=utcnow())
        session.add(lead)
        session.flush()
        on_lead_change(
            session, LeadChange(lead, True, None, True), settings=settings, directory=directory
        )
        lead_id = lead.id
    with team.session() as session:
        actions.claim(session, lead_id, "UREP2", settings=settings, directory=directory, now=NOW)
    with team.session() as session, pytest.raises(Refusal, match="Ravi Rep already claimed it"):
        actions.claim(session, lead_id, "UREP1", settings=settings, directory=directory, now=NOW)
    with team.session() as session, pytest.raises(Refusal, match="roster can claim"):
        actions.claim(session, lead_id, "UMKT1", settings=settings, directory=directory, now=NOW)
    lead = load(team, lead_id)
    assert lead.owner_id == "UREP2" and lead.next_due_at is not None
    with team.session() as session:
        keys = set(session.scalars(select(OutboxMessage.key)))
        targets = set(session.scalars(select(OutboxMessage.target_key)))
    assert alert_key(lead_id, "UREP2") in keys
    assert f"lead:{lead_id}:claim" in targets
