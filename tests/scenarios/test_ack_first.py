"""Over HTTP, a slash command's answer leaves at its ack while the listener goes on, and the
listener's work after the ack gives way while other requests still await theirs
(`handlers.http`, `handlers.errors.guarded`, `bot.priority`)."""

from __future__ import annotations

import threading

from slack_bolt import Ack

from handlers.errors import guarded
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
