"""Over HTTP, a slash command's answer leaves at its ack while the listener goes on, and the
listener's work after the ack gives way while other requests still await theirs
(`handlers.http`, `handlers.errors.guarded`, `bot.priority`); a Socket Mode envelope counts
as awaiting its ack too (`handlers.socket_mode`). A command whose ack needs only its text
(`handlers.commands.EARLY_ACKS`) is answered by the event loop before any listener thread runs."""

from __future__ import annotations

import logging
import threading
import time
from unittest.mock import Mock

import pytest
from slack_bolt import Ack
from slack_sdk.socket_mode.request import SocketModeRequest

from handlers.commands import EARLY_ACKS
from handlers.errors import guarded
from handlers.socket_mode import CountedSocketModeHandler
from tests.support.running_app import RunningApp

LONG = 60.0  # seconds: the give-way limit here, longer than any test


def test_the_answer_leaves_at_the_ack_while_the_listener_goes_on(running: RunningApp) -> None:
    release, finished = threading.Event(), threading.Event()

    def slow(ack: Ack) -> None:
        ack(text="On it")
        release.wait(30)  # work after the ack that outlasts Slack's 3 seconds
        finished.set()

    running.bolt.command("/slow")(guarded(slow))
    response = running.slack.command("/slow")
    assert response.status_code == 200
    assert response.text == "On it"  # Bolt answers a text-only ack as plain text
    assert not finished.is_set()
    release.set()
    assert finished.wait(10)


def test_work_after_the_ack_waits_while_another_request_awaits_its_answer(
    running: RunningApp,
) -> None:
    priority = running.handoff.priority
    priority.limit = LONG
    stored = threading.Event()

    def work(ack: Ack) -> None:
        ack()
        with running.handoff.db.session():  # gives way: another request awaits its answer
            stored.set()

    running.bolt.command("/work")(guarded(work))
    with priority.waiting():  # a request that is still being answered
        response = running.slack.command("/work")
        assert response.status_code == 200  # its own ack was not held up
        assert not stored.wait(0.3)
    assert stored.wait(10)  # once nothing awaits an answer, the work goes on


def test_a_listener_that_fails_before_its_ack_is_still_answered(running: RunningApp) -> None:
    def broken(ack: Ack) -> None:
        raise RuntimeError("before the ack")

    running.bolt.command("/broken")(guarded(broken))
    response = running.slack.command("/broken")
    assert response.status_code == 200


def test_a_socket_mode_envelope_counts_as_awaiting_its_ack(running: RunningApp) -> None:
    priority = running.handoff.priority
    seen: dict[str, object] = {}

    def probe(ack: Ack) -> None:
        seen["pending"] = priority.pending
        ack(text="Counted")

    running.bolt.command("/probe")(guarded(probe))
    handler = CountedSocketModeHandler(running.bolt, "xapp-1-A0001-test", priority)
    client = Mock()
    client.logger = logging.getLogger("test")
    body = {
        "team_id": "T0001",
        "channel_id": "CSALES",
        "user_id": "UREP1",
        "command": "/probe",
        "text": "",
        "api_app_id": "A0001",
        "response_url": "https://hooks.slack.test/commands/T0001/1/x",
        "trigger_id": "trig.socket",
    }
    try:
        handler.handle(client, SocketModeRequest("slash_commands", "env-1", body))
    finally:
        handler.close()
    assert seen["pending"] == 1  # background work gave way while it was being answered
    assert priority.pending == 0
    response = client.send_socket_mode_response.call_args.args[0]
    assert (response.envelope_id, response.payload) == ("env-1", {"text": "Counted"})


def test_a_command_acked_from_its_text_is_answered_before_its_listener_runs(
    running: RunningApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(EARLY_ACKS, "/early", lambda command: {"text": f"Got {command['text']}"})
    release, ran = threading.Event(), []

    def early(ack: Ack, command: dict) -> None:
        release.wait(30)  # held before its own ack: the answer must not wait for it
        ack(**EARLY_ACKS["/early"](command))
        ran.append(command["text"])

    running.bolt.command("/early")(guarded(early))
    response = running.slack.command("/early", "this")
    assert (response.status_code, response.text) == (200, "Got this")
    assert ran == []
    release.set()
    deadline = time.monotonic() + 10
    while not ran and time.monotonic() < deadline:
        time.sleep(0.01)
    assert ran == ["this"]  # the listener still ran, once, after the answer


def test_a_replayed_early_command_is_refused_before_its_listener(
    running: RunningApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(EARLY_ACKS, "/once", lambda _command: {})
    ran = threading.Semaphore(0)

    def once(ack: Ack) -> None:
        ack()
        ran.release()

    running.bolt.command("/once")(guarded(once))
    body = "command=%2Fonce&text=&user_id=UREP1&team_id=T0001&channel_id=CSALES&trigger_id=t1"
    now = int(time.time())
    assert running.slack.post(body, timestamp=now).status_code == 200
    replayed = running.slack.post(body, timestamp=now)
    assert replayed.status_code == 401
    assert replayed.json() == {"error": "replayed request"}
    assert ran.acquire(timeout=10)
    assert not ran.acquire(timeout=0.5)


def test_an_early_ack_that_fails_leaves_the_answer_to_the_listener(
    running: RunningApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_command: dict) -> dict:
        raise ValueError("cannot tell")

    monkeypatch.setitem(EARLY_ACKS, "/fallback", broken)

    def fallback(ack: Ack) -> None:
        ack(text="From the listener")

    running.bolt.command("/fallback")(guarded(fallback))
    response = running.slack.command("/fallback")
    assert (response.status_code, response.text) == (200, "From the listener")


def test_a_request_once_the_listener_threads_have_stopped_is_a_503(running: RunningApp) -> None:
    """While the server stops: a clear, temporary refusal, not a 500 (either path)."""
    running.handoff.listeners.shutdown(wait=True)
    for command in ("/campaign", "/unknown"):  # answered by the loop; dispatched to Bolt
        response = running.slack.command(command, "list")
        assert response.status_code == 503, command
        assert response.json() == {"error": "Handoff is restarting; try again in a moment"}
