"""`/leads`, `/campaign`, `/feedback` listeners, called directly."""

from __future__ import annotations

from unittest.mock import Mock

from bot.services import Handoff
from handlers.commands.campaign import campaign_callback
from handlers.commands.feedback import feedback_callback
from handlers.commands.leads import USAGE, leads_callback


def test_leads_with_unknown_text_answers_the_usage(ack: Mock, respond: Mock) -> None:
    handoff = Mock()
    leads_callback(
        ack=ack,
        command={"user_id": "UREP1", "text": "everything"},
        respond=respond,
        handoff=handoff,
    )
    ack.assert_called_once_with()
    assert respond.call_args.kwargs == {"text": USAGE, "response_type": "ephemeral"}
    handoff.db.session.assert_not_called()


def test_leads_lists_the_callers_leads(ack: Mock, respond: Mock, handoff: Handoff) -> None:
    leads_callback(
        ack=ack, command={"user_id": "UREP1", "text": ""}, respond=respond, handoff=handoff
    )
    ack.assert_called_once_with()
    respond.assert_called_once()
    assert respond.call_args.kwargs["response_type"] == "ephemeral"
    assert "lead" in str(respond.call_args.kwargs).lower()


def test_campaign_new_by_a_rep_is_refused_without_a_modal(
    ack: Mock, respond: Mock, handoff: Handoff
) -> None:
    command = {"user_id": "UREP1", "text": "new", "trigger_id": "T1", "response_url": None}
    campaign_callback(ack=ack, command=command, respond=respond, handoff=handoff)
    ack.assert_called_once_with()
    handoff.client.views_open.assert_not_called()  # type: ignore[attr-defined]
    assert respond.call_args.kwargs["response_type"] == "ephemeral"
    assert "marketer" in str(respond.call_args.kwargs).lower()


def test_empty_feedback_is_answered_in_the_ack(ack: Mock, respond: Mock) -> None:
    handoff = Mock()
    feedback_callback(
        ack=ack, command={"user_id": "UREP1", "text": "  "}, respond=respond, handoff=handoff
    )
    ack.assert_called_once()
    assert ack.call_args.kwargs["response_type"] == "ephemeral"
    assert "/feedback" in str(ack.call_args.kwargs)
    respond.assert_not_called()
    handoff.background.submit.assert_not_called()


def test_feedback_is_acked_then_sent_in_the_background(ack: Mock, respond: Mock) -> None:
    handoff = Mock()
    feedback_callback(
        ack=ack,
        command={"user_id": "UREP1", "text": "too pricey"},
        respond=respond,
        handoff=handoff,
    )
    ack.assert_called_once_with()
    args = handoff.background.submit.call_args.args
    assert args[1:] == (handoff, "too pricey", "UREP1", respond)
