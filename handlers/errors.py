"""The one error boundary: users get a polite ephemeral answer, the log gets an error id.

Two ways an error reaches it: Bolt's `@app.error` (errors raised before a listener runs), and
`guard_listeners`, which wraps every listener. The wrapper exists because slack_bolt (1.30)
throws away an `ack()` that was already sent when the listener raises afterwards: Slack then
sees no answer within 3 s and shows the user an error, although the listener had acked. A
guarded listener never raises into Bolt: it acks if it had not, and reports the error itself.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltResponse
from slack_bolt.context.respond import Respond

from bot.errors import Refusal
from bot.logsetup import exception_summary
from handlers.respond import SlackRespond

log = logging.getLogger(__name__)

_EXTRA_ARGS = ("ack", "body", "respond")


def user_message(error: Exception, kind: str) -> str:
    if isinstance(error, Refusal):
        return error.message
    error_id = uuid.uuid4().hex[:8]
    # No traceback text: an error's message can carry the user's text or a lead's row.
    log.error("unexpected error %s in %s: %s", error_id, kind, exception_summary(error))
    return (
        f"Sorry, something went wrong on Handoff's side (error {error_id}). "
        "Nothing you sent was lost; please try again in a moment."
    )


def tell(respond: Respond | None, body: dict, message: str) -> None:
    # Only a SlackRespond (Slack's hosts, a timeout) is used: a plain Bolt respond would call
    # whatever URL the body named.
    if not isinstance(respond, SlackRespond) or not body.get("response_url"):
        return
    try:
        respond(text=message, response_type="ephemeral", replace_original=False)
    except Exception:
        log.warning("could not tell the user about an error")


def _guard(listener: Any) -> None:
    original: Callable[..., Any] = listener.ack_function
    wanted = list(listener.arg_names)

    @functools.wraps(original)
    def guarded(**kwargs: Any) -> Any:
        try:
            return original(**{name: kwargs[name] for name in wanted if name in kwargs})
        except Exception as error:
            body = kwargs.get("body") or {}
            ack: Ack | None = kwargs.get("ack")
            if ack is not None and ack.response is None:
                ack()
            tell(kwargs.get("respond"), body, user_message(error, body.get("type") or "command"))
            return None

    listener.ack_function = guarded
    listener.arg_names = [*wanted, *(a for a in _EXTRA_ARGS if a not in wanted)]


def guard_listeners(app: App) -> None:
    """Wrap every registered listener (call once, after all listeners are registered)."""
    for listener in app._listeners:  # Bolt keeps no public list of its listeners
        _guard(listener)


def register(app: App) -> None:
    @app.error
    def handle_error(error: Exception, body: dict, respond: Respond | None) -> BoltResponse | None:
        tell(respond, body, user_message(error, body.get("type") or "command"))
        return None
