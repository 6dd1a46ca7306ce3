""" "Forget a lead…" from the admin's Home: the form's and the confirmation's submissions.

Bad input stays in the form, on its field, with what was typed. Otherwise the submission is
answered at once with a view saying what is under way; the dry run (after the form) or the
erasure (after the confirmation) then runs here, off Slack's 3 seconds, and replaces it
(`bot.erasure.home`)."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import Ack, App

from bot.erasure import home as erasure
from bot.errors import Refusal
from bot.ids import ErasureIds
from bot.services import Handoff
from handlers.errors import guarded, user_message


def _outcome(step: Callable[[], erasure.Step], done: str) -> erasure.Step:
    try:
        return step()
    except Exception as error:  # the view says so instead of "Checking…" forever
        message = user_message(error, "view_submission")
        return erasure.Step(erasure.notice_view([message, done], back=False))


def _answer(ack: Ack, error: Exception) -> None:
    """A refusal's words (or an error's id) in place of the modal: nothing was changed."""
    lines = [user_message(error, "view_submission")]
    if not isinstance(error, Refusal):
        lines.append("Nothing was changed.")
    ack(response_action="update", view=erasure.notice_view(lines, back=False))


def form_submitted(ack: Ack, body: dict, view: dict, handoff: Handoff) -> None:
    actor = body["user"]["id"]
    try:
        query = erasure.check_form(handoff.db, actor, view.get("state", {}).get("values", {}))
    except erasure.FormProblem as problem:
        ack(response_action="errors", errors=problem.errors)
        return
    except Exception as error:  # a refusal, or the database: said in the modal, not closed
        _answer(ack, error)
        return
    pending = erasure.pending_view("Checking what would be erased…", back=True)
    ack(response_action="push", view=pending)
    step = _outcome(lambda: erasure.preview(handoff.db, query), "Nothing was changed.")
    erasure.show(handoff.db, handoff.client, pending, step, actor=actor)


def confirm_submitted(ack: Ack, body: dict, view: dict, handoff: Handoff) -> None:
    actor = body["user"]["id"]
    try:
        query = erasure.check_confirmation(handoff.db, actor, view.get("private_metadata"))
    except Exception as error:
        _answer(ack, error)
        return
    pending = erasure.pending_view(
        "Erasing… This takes a few seconds; you can close this and find the outcome in your "
        "DM with Handoff.",
        back=False,
    )
    ack(response_action="update", view=pending)
    step = _outcome(lambda: erasure.erase(handoff.db, query, actor=actor), "Nothing was erased.")
    erasure.show(handoff.db, handoff.client, pending, step, actor=actor)


def register(app: App) -> None:
    app.view(ErasureIds.FORM_VIEW)(guarded(form_submitted))
    app.view(ErasureIds.CONFIRM_VIEW)(guarded(confirm_submitted))
