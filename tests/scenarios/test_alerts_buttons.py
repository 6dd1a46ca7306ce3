"""Every button on an alert, clicked through signed Slack requests: the alert updates in place
(chat.update of the same channel and ts, with text and blocks) and only allowed people act."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select

from bot.ids import FeedbackIds, LeadIds
from bot.models import Feedback, utcnow
from tests.scenarios.test_alerts_support import (
    action_ids,
    click,
    delivered,
    hot_lead,
    lead_id,
    load_lead,
    opened_view,
    refusals,
    select_value,
    submit,
    text_value,
    updates_of,
    wait_update,
)
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.outbox_rows import outbox_messages
from tests.support.running_app import RunningApp


def alerted(running: RunningApp, slack: FakeSlackServer, name: str = "Button Lead", **fields):  # type: ignore[no-untyped-def]
    running.post_leads(hot_lead(1, name=name, **fields))
    return delivered(slack, fields.get("owner", "UREP1"), name), str(lead_id(running, "crm-1"))


def test_im_on_it_then_contacted(running: RunningApp, slack: FakeSlackServer) -> None:
    alert, lead = alerted(running, slack)
    click(running, slack, alert, LeadIds.ACK, lead, user="UREP1")
    update = wait_update(slack, alert, "<@UREP1> is on it")
    assert "<!date^" in str(update["blocks"])
    assert LeadIds.ACK not in action_ids(update["blocks"])
    assert LeadIds.CONTACTED in action_ids(update["blocks"])
    stored = load_lead(running, "crm-1")
    assert stored.status == "claimed" and stored.first_touched_at is not None
    assert stored.next_due_at is None  # the reminders stop

    click(running, slack, alert, LeadIds.CONTACTED, lead, user="UREP1")
    update = wait_update(slack, alert, "Contacted · <@UREP1>")
    assert action_ids(update["blocks"]) == [
        LeadIds.NOT_FIT,
        FeedbackIds.LEAD_FEEDBACK_BUTTON,
        LeadIds.OUTCOME,
    ]
    assert load_lead(running, "crm-1").status == "contacted"
    message = slack.fake.find_message(alert.channel, alert.ts)
    assert message is not None and len(message.history) == 2  # updated twice, never reposted
    assert len(slack.fake.calls_to("chat.postMessage")) == 1


def test_snooze(running: RunningApp, slack: FakeSlackServer) -> None:
    alert, lead = alerted(running, slack)
    before = utcnow()
    click(running, slack, alert, LeadIds.SNOOZE, f"{lead}:4h", user="UREP1")
    update = wait_update(slack, alert, "Snoozed by <@UREP1> until")
    assert {LeadIds.SNOOZE, LeadIds.WAKE} <= set(action_ids(update["blocks"]))  # change, cancel
    assert LeadIds.ACK in action_ids(update["blocks"])
    stored = load_lead(running, "crm-1")
    assert stored.status == "snoozed" and stored.snoozed_until is not None
    assert before + timedelta(hours=4) <= stored.snoozed_until <= utcnow() + timedelta(hours=4)
    assert stored.next_due_at == stored.snoozed_until


def test_not_a_fit_asks_why_and_tells_marketing(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    alert, lead = alerted(running, slack, campaign="spring")
    click(running, slack, alert, LeadIds.NOT_FIT, lead, user="UREP1")
    view = opened_view(slack, LeadIds.NOT_FIT_VIEW)
    reasons = view["blocks"][1]["element"]["options"]
    assert [o["text"]["text"] for o in reasons] == [
        "Wrong persona",
        "No budget",
        "Competitor customer",
        "Spam or fake",
        "Student or job seeker",
        "Other",
    ]
    note = text_value(LeadIds.NOT_FIT_NOTE_BLOCK, LeadIds.NOT_FIT_NOTE, "Students <!here>")
    missing = submit(
        running,
        view,
        "UREP1",
        {**select_value(LeadIds.NOT_FIT_REASON_BLOCK, LeadIds.NOT_FIT_REASON, None), **note},
    )
    assert missing.json() == {
        "response_action": "errors",
        "errors": {LeadIds.NOT_FIT_REASON_BLOCK: "Pick a reason."},
    }
    reason = select_value(
        LeadIds.NOT_FIT_REASON_BLOCK, LeadIds.NOT_FIT_REASON, "student_job_seeker"
    )
    done = submit(running, view, "UREP1", {**reason, **note})
    assert done.status_code == 200 and done.text == ""
    update = wait_update(slack, alert, "Not a fit (Student or job seeker) · <@UREP1>")
    assert action_ids(update["blocks"]) == [FeedbackIds.LEAD_FEEDBACK_BUTTON]
    with running.handoff.db.session() as session:
        feedback = session.scalars(select(Feedback)).one()
    assert feedback.kind == "lead_quality" and feedback.lead_id == int(lead)
    assert feedback.text == "Student or job seeker: Students <!here>"
    assert load_lead(running, "crm-1").status == "not_fit"


def test_reassign_to_another_rep(running: RunningApp, slack: FakeSlackServer) -> None:
    alert, lead = alerted(running, slack)
    click(running, slack, alert, LeadIds.REASSIGN, lead, user="UREP1")
    view = opened_view(slack, LeadIds.REASSIGN_VIEW)
    options = [o["value"] for o in view["blocks"][1]["element"]["options"]]
    assert "UREP2" in options and "UREP1" not in options and "UMKT1" not in options
    picked = select_value(LeadIds.REASSIGN_TO_BLOCK, LeadIds.REASSIGN_TO, "UREP2")
    assert submit(running, view, "UREP1", picked).status_code == 200
    new = delivered(slack, "UREP2", "Button Lead")
    assert LeadIds.ACK in action_ids(new.blocks)
    update = wait_update(slack, alert, "Reassigned to <@UREP2> by <@UREP1>")
    assert action_ids(update["blocks"]) == []
    assert load_lead(running, "crm-1").owner_id == "UREP2"
    # The old owner's stale alert no longer lets them act.
    click(running, slack, alert, LeadIds.ACK, lead, user="UREP1")
    slack.fake.wait_for("response_url", predicate=lambda a: "Only the lead's owner" in a["text"])


def test_reassigning_to_someone_off_the_roster_keeps_the_modal_open(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    alert, lead = alerted(running, slack)
    click(running, slack, alert, LeadIds.REASSIGN, lead, user="UREP1")
    view = opened_view(slack, LeadIds.REASSIGN_VIEW)
    forged = select_value(LeadIds.REASSIGN_TO_BLOCK, LeadIds.REASSIGN_TO, "UMKT1")
    answer = submit(running, view, "UREP1", forged).json()
    assert answer["response_action"] == "errors"
    assert "roster" in answer["errors"][LeadIds.REASSIGN_TO_BLOCK]
    assert load_lead(running, "crm-1").owner_id == "UREP1"


def test_only_the_owner_their_manager_or_an_admin_may_act(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    alert, lead = alerted(running, slack)
    for stranger in ("UREP2", "UMKT1", "UOUTSIDER"):
        click(running, slack, alert, LeadIds.CONTACTED, lead, user=stranger)
        click(running, slack, alert, LeadIds.NOT_FIT, lead, user=stranger)
    slack.fake.wait_for(
        "response_url", count=6, predicate=lambda a: "Only the lead's owner" in a["text"]
    )
    assert all(
        a.get("response_type", "ephemeral") == "ephemeral"
        for a in refusals(slack, "Only the lead's owner")
    )
    time.sleep(0.2)
    assert updates_of(slack, alert) == [] and slack.fake.calls_to("views.open") == []
    assert outbox_messages(running.handoff.db, "chat.update") == []  # none queued either
    assert load_lead(running, "crm-1").status == "new"

    click(running, slack, alert, LeadIds.ACK, lead, user="UMGR1")  # the owner's manager
    wait_update(slack, alert, "<@UMGR1> is on it")
    click(running, slack, alert, LeadIds.CONTACTED, lead, user="UADMIN")
    wait_update(slack, alert, "Contacted · <@UADMIN>")


def test_a_click_that_no_longer_applies_is_explained(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    alert, lead = alerted(running, slack)
    click(running, slack, alert, LeadIds.CONTACTED, lead, user="UREP1")
    wait_update(slack, alert, "Contacted")
    click(running, slack, alert, LeadIds.ACK, lead, user="UREP1")
    slack.fake.wait_for(
        "response_url", predicate=lambda a: "Rita Rep already marked it contacted" in a["text"]
    )
