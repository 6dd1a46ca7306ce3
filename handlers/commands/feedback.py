"""`/feedback [CODE] text`: ack first (empty or over-long text is answered in the ack itself),
then store and queue the post to marketing, then confirm with a link once it is out.

The work after the ack runs on the services' small pool (`Handoff.background`, stopped with
them), not on Bolt's listener threads: a burst of feedback then never keeps listeners (or the
interpreter) busy while other requests wait for their ack, and a slow database delays the
feedback, never an ack.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_bolt import Ack, App, Respond

from bot import feedback
from bot.errors import Refusal
from bot.logsetup import exception_summary
from bot.messages import Message
from bot.services import Handoff
from handlers.errors import guarded

log = logging.getLogger(__name__)


def tell(respond: Respond, reply: Message) -> None:
    try:
        respond(**reply.as_args(), response_type="ephemeral")
    except Exception as exc:  # an expired or unreachable response_url
        log.warning("could not answer /feedback: %s", type(exc).__name__)


def ack_args(command: dict) -> dict[str, Any]:
    """The ack, from the text alone: empty, or the answer to text that cannot be feedback."""
    early = feedback.precheck(feedback.command_text(command.get("text")))
    return {} if early is None else {**early.as_args(), "response_type": "ephemeral"}


def feedback_callback(ack: Ack, command: dict, respond: Respond, handoff: Handoff) -> None:
    answer = ack_args(command)
    ack(**answer)
    if answer:
        return
    text = feedback.command_text(command.get("text"))
    handoff.background.submit(send, handoff, text, command["user_id"], respond)


def send(handoff: Handoff, text: str, user_id: str, respond: Respond) -> None:
    """Store, queue the post and confirm; every problem is answered with the text given back
    (nothing here may raise: it runs on a pool that nobody watches)."""
    settings = handoff.settings
    try:
        with handoff.db.session() as session:
            sent = feedback.submit_feedback(
                session, settings=settings, author_id=user_id, text=text
            )
    except Refusal as problem:
        tell(respond, feedback.notice(problem.kind, typed=text, **problem.context))
        return
    except Exception as exc:  # no traceback text: it could carry the feedback
        error_id = uuid.uuid4().hex[:8]
        log.error("unexpected error %s in /feedback: %s", error_id, exception_summary(exc))
        tell(respond, feedback.notice("failed", typed=text, error_id=error_id))
        return

    def confirm(permalink: str | None) -> None:
        reply = feedback.confirmation(
            campaign=sent.campaign,
            inferred_from=sent.inferred_from,
            tags=sent.tags,
            permalink=permalink,
            channel_id=settings.marketing_channel,
        )
        tell(respond, reply)

    handoff.permalinks.when_posted(sent.post_key, confirm)


def register(app: App) -> None:
    app.command("/feedback")(guarded(feedback_callback))
