"""The one error boundary: users get a polite ephemeral answer, the log gets an error id."""

from __future__ import annotations

import logging
import uuid

from slack_bolt import App, BoltResponse
from slack_bolt.context.respond import Respond

from bot.errors import UserError

log = logging.getLogger(__name__)


def register(app: App) -> None:
    @app.error
    def handle_error(error: Exception, body: dict, respond: Respond | None) -> BoltResponse | None:
        if isinstance(error, UserError):
            message = error.message
        else:
            error_id = uuid.uuid4().hex[:8]
            log.error(
                "unexpected error %s in %s",
                error_id,
                body.get("type") or "command",
                exc_info=error,
            )
            message = (
                f"Sorry, something went wrong on Handoff's side (error {error_id}). "
                "Nothing you sent was lost; please try again in a moment."
            )
        if respond is not None and body.get("response_url"):
            try:
                respond(text=message, response_type="ephemeral", replace_original=False)
            except Exception:
                log.warning("could not tell the user about error")
        return None
