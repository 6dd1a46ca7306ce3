"""Button listeners, called directly."""

from __future__ import annotations

from unittest.mock import Mock

import pytest

from bot.errors import Refusal
from bot.ids import ErasureIds, LeadIds
from bot.services import Handoff
from handlers.actions.campaign import got_it_callback
from handlers.actions.digest import nudge_callback as digest_nudge_callback
from handlers.actions.feedback import reply_callback
from handlers.actions.home import forget_lead_callback
from handlers.actions.ladder import nudge_callback as ladder_nudge_callback
from handlers.actions.lead import claim_callback

CLICK = {"type": "block_actions", "user": {"id": "UREP1"}, "trigger_id": "T1"}


def test_got_it_with_a_broken_value_does_nothing(ack: Mock, respond: Mock) -> None:
    handoff = Mock()
    got_it_callback(ack=ack, body=CLICK, action={"value": "x"}, respond=respond, handoff=handoff)
    ack.assert_called_once_with()
    respond.assert_not_called()
    handoff.db.session.assert_not_called()


def test_got_it_on_an_unknown_campaign_says_so(ack: Mock, respond: Mock, handoff: Handoff) -> None:
    body = {**CLICK, "response_url": "https://hooks.slack.com/actions/T/1/x"}
    got_it_callback(ack=ack, body=body, action={"value": "999"}, respond=respond, handoff=handoff)
    ack.assert_called_once_with()
    kwargs = respond.call_args.kwargs
    assert kwargs["response_type"] == "ephemeral"
    assert kwargs["replace_original"] is False


def test_digest_nudge_by_a_rep_is_refused_after_the_ack(
    ack: Mock, respond: Mock, handoff: Handoff
) -> None:
    body = {**CLICK, "actions": [{"value": "UREP2"}]}
    with pytest.raises(Refusal, match="manager or an admin"):
        digest_nudge_callback(ack=ack, body=body, respond=respond, handoff=handoff)
    ack.assert_called_once_with()
    respond.assert_not_called()  # the error boundary answers (handlers.errors.guarded)


def test_ladder_nudge_with_a_stale_button_is_refused(
    ack: Mock, respond: Mock, handoff: Handoff
) -> None:
    body = {**CLICK, "user": {"id": "UMGR1"}, "actions": [{"value": "junk"}]}
    with pytest.raises(Refusal, match="out of date"):
        ladder_nudge_callback(ack=ack, body=body, respond=respond, handoff=handoff)
    ack.assert_called_once_with()


def test_reply_to_rep_by_a_rep_opens_no_modal(ack: Mock, handoff: Handoff) -> None:
    with pytest.raises(Refusal):
        reply_callback(ack=ack, body=CLICK, action={"value": "1"}, handoff=handoff)
    ack.assert_called_once_with()
    handoff.client.views_open.assert_not_called()  # type: ignore[attr-defined]


def test_claim_with_a_stale_button_answers_privately(
    ack: Mock, respond: Mock, handoff: Handoff
) -> None:
    action = {"action_id": LeadIds.CLAIM, "value": "not-a-lead", "block_id": "b"}
    claim_callback(ack=ack, body=CLICK, action=action, respond=respond, handoff=handoff)
    ack.assert_called_once_with()
    assert respond.call_args.kwargs == {
        "text": "That button is out of date; `/leads` shows fresh ones.",
        "response_type": "ephemeral",
        "replace_original": False,
    }


def test_forget_a_lead_opens_the_form_for_admins_only(
    ack: Mock, respond: Mock, handoff: Handoff
) -> None:
    forget_lead_callback(ack=ack, body=CLICK, respond=respond, handoff=handoff)
    ack.assert_called_once_with()
    assert "Only admins can erase" in respond.call_args.kwargs["text"]
    handoff.client.views_open.assert_not_called()  # type: ignore[attr-defined]
    admin = {**CLICK, "user": {"id": "UADMIN"}}
    forget_lead_callback(ack=ack, body=admin, respond=respond, handoff=handoff)
    kwargs = handoff.client.views_open.call_args.kwargs  # type: ignore[attr-defined]
    assert kwargs["trigger_id"] == "T1"
    assert kwargs["view"]["callback_id"] == ErasureIds.FORM_VIEW
