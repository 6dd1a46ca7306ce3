"""Forgetting a lead from the admin's Home, through the running app as Slack drives it: the
"Forget a lead…" button, the form (bad input answered on its field), the dry run's
confirmation (nothing erased yet), and the erasure, after which no table, no Slack message (as
the fake shows its latest version) and no modal holds the lead's details. Non-admins are
refused at every step, and nothing is erased.

What Slack does with a submission's answer (`response_action` push or update) the fake cannot
see, as the app's answer goes back over HTTP: `follow` does it, as Slack (and the sandbox's
relay) would."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bot.blockkit import MAX_VIEW_BLOCKS
from bot.config import Settings
from bot.ids import ErasureIds, HomeIds
from bot.messages import validate_blocks
from bot.models import OutboxMessage
from tests.scenarios.home_steps import element, open_home, press, wait_for_dm
from tests.scenarios.test_erasure import (
    PLANTED,
    assert_erased_everywhere,
    lead_row,
    plant_everywhere,
    planted_in,
    settle,
    shown,
    slack_text,
)
from tests.scenarios.test_ladder import ladder_config, post_hot_lead, top_level
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp


@pytest.fixture
def app_config(settings: Settings, slack: FakeSlackServer, db_url: str) -> Settings:
    return ladder_config(settings, slack, db_url)


def checked(view: dict[str, Any]) -> dict[str, Any]:
    assert view["type"] == "modal" and view["title"]["text"]
    validate_blocks(view["blocks"], MAX_VIEW_BLOCKS)
    for key in ("title", "submit", "close"):
        assert len(view.get(key, {}).get("text", "")) <= 24
    assert len(view.get("private_metadata", "")) <= 3000
    return view


def open_form(running: RunningApp, slack: FakeSlackServer, user: str = "UADMIN") -> dict:
    """The admin's Home, its "Forget a lead…" pressed: the form as the fake holds it."""
    before = len(slack.fake.calls_to("views.open"))
    home = open_home(running, slack, user)
    press(running, home, HomeIds.FORGET_LEAD, user=user)
    call = slack.fake.wait_for("views.open", count=before + 1)[-1]
    view = checked(call["view"])
    assert view["callback_id"] == ErasureIds.FORM_VIEW
    return fake_view(slack, ErasureIds.FORM_VIEW)


def fake_view(slack: FakeSlackServer, callback_id: str) -> dict[str, Any]:
    """The newest modal with `callback_id` as Slack holds it (with its id)."""
    found = [v for v in slack.fake.views.values() if v.payload.get("callback_id") == callback_id]
    assert found, f"no {callback_id} view in the fake"
    return checked(found[-1].to_slack())


def typed(email: str | None = None, crm_id: str | None = None) -> dict[str, Any]:
    return {
        ErasureIds.EMAIL_BLOCK: {ErasureIds.INPUT: {"type": "plain_text_input", "value": email}},
        ErasureIds.ID_BLOCK: {ErasureIds.INPUT: {"type": "plain_text_input", "value": crm_id}},
    }


def submit(
    running: RunningApp,
    view: dict[str, Any],
    *,
    user: str = "UADMIN",
    values: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Submit `view` as Slack does; the app's answer (`{}` when it just closes)."""
    payload = {
        "type": "view_submission",
        "user": {"id": user, "username": user.lower(), "team_id": "T0001"},
        "trigger_id": f"trig.{time.monotonic_ns()}",
        "view": {**view, "state": {"values": values or {}}},
    }
    response: httpx.Response = running.slack.interaction(payload)
    assert response.status_code == 200, response.text
    return response.json() if response.content else {}


def follow(slack: FakeSlackServer, view: dict[str, Any], answer: dict[str, Any]) -> str:
    """Do what Slack does with a submission's answer; the id of the view it now shows."""
    if answer.get("response_action") == "push":
        pushed = slack.fake.open_view(
            checked(answer["view"]), f"trig.{time.monotonic_ns()}", pushed=True
        )
        return pushed.id
    assert answer.get("response_action") == "update", answer
    slack.fake.update_view(checked(answer["view"]), view_id=view["id"])
    return str(view["id"])


def replaced(slack: FakeSlackServer, view_id: str, timeout: float = 30) -> dict[str, Any]:
    """The modal `view_id` once the app has replaced its pending version (views.update by
    the pending view's external_id, which fails with not_found until Slack shows it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        payload = slack.fake.views[view_id].payload
        if not str(payload.get("external_id") or "").startswith("erasure-"):
            return checked(slack.fake.views[view_id].to_slack())
        time.sleep(0.02)
    raise AssertionError(f"the pending view {view_id} was never replaced")


def field_errors(running: RunningApp, form: dict[str, Any], **values: str | None) -> dict:
    answer = submit(running, form, values=typed(**values))
    assert answer.get("response_action") == "errors", answer
    assert "view" not in answer  # the form stays as it is, with what was typed
    return answer["errors"]


PERSONAL = ("name", "email", "phone", "company", "title", "note", "extra", "external_id")


def personal(running: RunningApp, lead_id: int) -> dict[str, Any]:
    """What an erasure changes on the lead's row (its ladder goes on meanwhile)."""
    row = lead_row(running, lead_id)
    return {key: row[key] for key in (*PERSONAL, "erased_at")}


def erasure_edits(running: RunningApp, slack: FakeSlackServer) -> int:
    """Edits an erasure queued, and "Lead details erased" shown in Slack."""
    with running.handoff.db.session() as session:
        queued = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.key.like("erase:%"))
        )
    return (queued or 0) + slack_text(slack).count("lead details erased")


def modals_text(slack: FakeSlackServer) -> str:
    """Every modal's latest version, as the fake holds it."""
    views = [v.payload for v in slack.fake.views.values() if v.type == "modal"]
    return shown(json.dumps(views, ensure_ascii=False))


def test_an_admin_forgets_a_lead_from_the_home(
    running: RunningApp, slack: FakeSlackServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    lead_id, other_id, alert = plant_everywhere(running, slack)
    before = lead_row(running, lead_id)
    personal_before = personal(running, lead_id)

    form = open_form(running, slack)
    # Bad input: answered on the field, the form kept as typed, nothing changed.
    assert field_errors(running, form) == {
        ErasureIds.EMAIL_BLOCK: "Enter the lead's email address, or its id in your CRM below."
    }
    both = "Enter an email address or an id, not both."
    assert field_errors(running, form, email=PLANTED["email"], crm_id="Z-1") == {
        ErasureIds.EMAIL_BLOCK: both,
        ErasureIds.ID_BLOCK: both,
    }
    malformed = field_errors(running, form, email="zelda at example")
    assert malformed[ErasureIds.EMAIL_BLOCK].startswith("That is not an email address")
    assert field_errors(running, form, email="nobody@example.org") == {
        ErasureIds.EMAIL_BLOCK: "No lead in Handoff has that email (or it was erased)."
    }
    assert field_errors(running, form, crm_id="NO-SUCH-ID") == {
        ErasureIds.ID_BLOCK: "No lead in Handoff has that id (or it was erased)."
    }

    # The dry run: what would be erased, and nothing erased yet.
    assert erasure_edits(running, slack) == 0
    answer = submit(running, form, values=typed(email="  zelda.QUIXOTIC@example.org "))
    assert answer["response_action"] == "push"
    confirm = replaced(slack, follow(slack, form, answer))
    assert confirm["callback_id"] == ErasureIds.CONFIRM_VIEW
    assert confirm["submit"]["text"] == "Forget" and confirm["close"]["text"] == "Back"
    shown_blocks = shown(json.dumps(confirm["blocks"], ensure_ascii=False))
    assert f"#{lead_id}" in shown_blocks and "forget 1 lead?" in shown_blocks
    assert "owner <@urep1>" in shown_blocks
    assert "slack messages to edit" in shown_blocks and "feedback lines cleaned" in shown_blocks
    assert planted_in(shown_blocks) == []  # lead numbers and anonymous facts only
    assert personal(running, lead_id) == personal_before
    assert erasure_edits(running, slack) == 0

    # Someone else sending the admin's confirmation (a crafted request) is refused.
    refused = submit(running, confirm, user="UREP1")
    assert refused["response_action"] == "update"
    assert "Only admins can erase" in json.dumps(checked(refused["view"]))
    assert personal(running, lead_id) == personal_before

    # Confirmed: erased, and the admin sees what changed.
    answer = submit(running, confirm)
    assert answer["response_action"] == "update"
    result = replaced(slack, follow(slack, confirm, answer))
    text = shown(json.dumps(result["blocks"], ensure_ascii=False))
    assert result["title"]["text"] == "Lead forgotten"
    assert result.get("clear_on_close") is True and "submit" not in result
    assert f"erased the personal data of 1 lead(s): #{lead_id}." in text
    assert "forget it in your crm too" in text
    settle(running)

    assert_erased_everywhere(running, slack, alert, (lead_id, other_id), before)
    assert planted_in(modals_text(slack)) == []
    # Who erased it, in the log; and no detail there.
    assert f"erased the personal data of lead {lead_id} (by UADMIN in the Home)" in caplog.text
    assert planted_in(shown(caplog.text)) == []

    # The same form again: that lead is gone.
    form = open_form(running, slack)
    assert field_errors(running, form, crm_id="Z-1") == {
        ErasureIds.ID_BLOCK: "No lead in Handoff has that id (or it was erased)."
    }


def test_non_admins_are_refused_and_nothing_is_erased(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    lead_id = post_hot_lead(running, "Z-1", name=PLANTED["name"], email=PLANTED["email"])
    top_level(slack, "UREP1", PLANTED["name"])
    before = personal(running, lead_id)
    assert before["erased_at"] is None
    admin_home = open_home(running, slack, "UADMIN")
    element(admin_home, HomeIds.FORGET_LEAD)  # the button is on the admin's board
    rep_home = open_home(running, slack, "UREP1")
    with pytest.raises(AssertionError):
        element(rep_home, HomeIds.FORGET_LEAD)  # and on no one else's

    # A rep pressing it anyway (the admin's board, a crafted payload): told so by DM.
    opened = len(slack.fake.calls_to("views.open"))
    press(running, admin_home, HomeIds.FORGET_LEAD, user="UREP1")
    wait_for_dm(slack, "UREP1", "Only admins can erase a lead's personal data")
    assert len(slack.fake.calls_to("views.open")) == opened

    # Submitting the form or a confirmation they were never shown: refused in the modal.
    form = open_form(running, slack)
    answer = submit(running, form, user="UMGR1", values=typed(email=PLANTED["email"]))
    assert answer["response_action"] == "update"
    assert "Only admins can erase" in json.dumps(checked(answer["view"]))
    crafted = {
        "id": "V999",
        "type": "modal",
        "callback_id": ErasureIds.CONFIRM_VIEW,
        "private_metadata": json.dumps({"email": PLANTED["email"], "id": None, "leads": [lead_id]}),
    }
    answer = submit(running, crafted, user="UMKT1")
    assert answer["response_action"] == "update"
    assert "Only admins can erase" in json.dumps(checked(answer["view"]))
    # The admin's own, tampered with: out of date, nothing erased.
    answer = submit(running, {**crafted, "private_metadata": '{"leads": "all"}'})
    assert "out of date" in json.dumps(checked(answer["view"]))

    assert personal(running, lead_id) == before
