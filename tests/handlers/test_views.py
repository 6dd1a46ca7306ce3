"""Modal submissions, called directly: problems come back in the ack, on the field."""

from __future__ import annotations

from unittest.mock import Mock

from bot.ids import FeedbackIds, LeadIds
from bot.services import Handoff
from handlers.views.campaign import campaign_submitted_callback
from handlers.views.erasure import confirm_submitted, form_submitted
from handlers.views.feedback import lead_feedback_submitted
from handlers.views.lead import not_fit_submitted

SUBMIT = {"type": "view_submission", "user": {"id": "UREP1"}}


def test_empty_lead_feedback_stays_in_the_modal(ack: Mock) -> None:
    handoff = Mock()
    view = {"state": {"values": {}}, "private_metadata": "{}"}
    lead_feedback_submitted(ack=ack, body=SUBMIT, view=view, handoff=handoff)
    assert ack.call_args.kwargs == {
        "response_action": "errors",
        "errors": {FeedbackIds.TEXT_BLOCK: "Write one line of what the customer said."},
    }
    handoff.db.session.assert_not_called()


def test_not_a_fit_needs_a_reason(ack: Mock) -> None:
    handoff = Mock()
    view = {"state": {"values": {}}, "private_metadata": "1"}
    not_fit_submitted(ack=ack, body=SUBMIT, view=view, handoff=handoff)
    assert ack.call_args.kwargs == {
        "response_action": "errors",
        "errors": {LeadIds.NOT_FIT_REASON_BLOCK: "Pick a reason."},
    }
    handoff.db.session.assert_not_called()


def test_an_empty_campaign_form_keeps_the_modal_open(ack: Mock, handoff: Handoff) -> None:
    body = {**SUBMIT, "user": {"id": "UMKT1"}}
    view = {"id": "V1", "state": {"values": {}}, "private_metadata": ""}
    campaign_submitted_callback(ack=ack, body=body, view=view, handoff=handoff)
    ack.assert_called_once()
    assert ack.call_args.kwargs["response_action"] == "errors"
    assert ack.call_args.kwargs["errors"]


def test_the_erasure_form_answers_on_its_field_before_anything_else(
    ack: Mock, handoff: Handoff
) -> None:
    body = {**SUBMIT, "user": {"id": "UADMIN"}}
    form_submitted(ack=ack, body=body, view={"state": {"values": {}}}, handoff=handoff)
    assert ack.call_args.kwargs == {
        "response_action": "errors",
        "errors": {"erasure_email": "Enter the lead's email address, or its id in your CRM below."},
    }
    handoff.client.views_update.assert_not_called()  # type: ignore[attr-defined]


def test_a_rep_submitting_the_erasure_confirmation_is_refused(ack: Mock, handoff: Handoff) -> None:
    view = {"private_metadata": '{"email": "a@example.org", "id": null, "leads": [1]}'}
    confirm_submitted(ack=ack, body=SUBMIT, view=view, handoff=handoff)
    kwargs = ack.call_args.kwargs
    assert kwargs["response_action"] == "update"
    assert "Only admins can erase" in str(kwargs["view"])
    handoff.client.views_update.assert_not_called()  # type: ignore[attr-defined]


def test_the_erasure_form_says_so_when_the_database_fails(ack: Mock) -> None:
    handoff = Mock()
    handoff.db.read_session.side_effect = RuntimeError("database down")
    body = {**SUBMIT, "user": {"id": "UADMIN"}}
    form_submitted(ack=ack, body=body, view={"state": {"values": {}}}, handoff=handoff)
    kwargs = ack.call_args.kwargs
    assert kwargs["response_action"] == "update"
    text = str(kwargs["view"]["blocks"])
    assert "something went wrong on Handoff's side" in text and "Nothing was changed." in text
    handoff.client.views_update.assert_not_called()
