"""The error boundary's wrapper, called as Bolt calls it (keyword arguments by name)."""

from __future__ import annotations

import inspect
from unittest.mock import Mock

from slack_bolt import Ack, BoltResponse

from bot.errors import Refusal
from bot.services import Handoff
from handlers.errors import guarded
from handlers.respond import SlackRespond

BODY = {"type": "block_actions", "response_url": "https://hooks.slack.com/actions/T/1/x"}


def refuse(ack: Ack, handoff: Handoff) -> None:
    raise Refusal("Not yours to claim.")


def test_bolt_sees_the_listeners_names_and_what_the_boundary_needs() -> None:
    names = inspect.getfullargspec(inspect.unwrap(guarded(refuse))).args  # what Bolt reads
    assert names == ["ack", "handoff", "body", "respond", "context"]
    assert guarded(refuse).__name__ == "refuse"


def test_a_listener_that_raises_before_acking_is_acked_and_the_user_told(ack: Mock) -> None:
    respond = Mock(spec=SlackRespond)
    guarded(refuse)(ack=ack, handoff=Mock(), body=BODY, respond=respond)
    ack.assert_called_once_with()
    assert respond.call_args.kwargs == {
        "text": "Not yours to claim.",
        "response_type": "ephemeral",
        "replace_original": False,
    }


def test_an_ack_already_sent_is_not_sent_twice(ack: Mock) -> None:
    def late(ack: Ack) -> None:
        ack()
        ack.response = BoltResponse(status=200, body="")  # what Bolt's Ack records
        raise RuntimeError("boom")

    respond = Mock(spec=SlackRespond)
    guarded(late)(ack=ack, body=BODY, respond=respond)
    ack.assert_called_once_with()
    assert "something went wrong" in respond.call_args.kwargs["text"]
