"""The one error boundary: users get a polite ephemeral answer, the log gets an error id.

Two ways an error reaches it, both through Bolt's public API: `@app.error` (errors raised
before a listener runs), and `guarded`, the decorator every `register(app)` applies to its
listeners as it hands them to Bolt (`app.command("/leads")(guarded(leads_callback))`). The
wrapper exists because slack_bolt (1.30) throws away an `ack()` that was already sent when the
listener raises afterwards: Slack then sees no answer within 3 s and shows the user an error,
although the listener had acked. A guarded listener never raises into Bolt: it acks if it had
not, and reports the error itself.
"""

from __future__ import annotations

import inspect
import logging
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltResponse
from slack_bolt.context.respond import Respond

from bot.errors import Refusal
from bot.logsetup import exception_summary
from handlers.respond import HomeRespond, SlackRespond

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
    if not isinstance(respond, SlackRespond):
        return
    if not body.get("response_url") and not isinstance(respond, HomeRespond):
        return
    try:
        respond(text=message, response_type="ephemeral", replace_original=False)
    except Exception:
        log.warning("could not tell the user about an error")


def guarded(listener: Callable[..., None]) -> Callable[..., None]:
    """`listener`, answering its own errors. Bolt reads a listener's parameter names to know
    what to pass: the wrapper shows Bolt the listener's parameters plus `ack`, `body` and
    `respond` (what the boundary needs), and passes the listener only its own."""
    signature = inspect.signature(listener)
    wanted = list(signature.parameters)
    extra = [
        inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None)
        for name in _EXTRA_ARGS
        if name not in wanted
    ]

    def guard(**kwargs: Any) -> None:
        try:
            listener(**{name: kwargs[name] for name in wanted if name in kwargs})
        except Exception as error:
            body = kwargs.get("body") or {}
            ack: Ack | None = kwargs.get("ack")
            if ack is not None and ack.response is None:
                ack()
            tell(kwargs.get("respond"), body, user_message(error, body.get("type") or "command"))

    # Not functools.wraps: Bolt unwraps `__wrapped__` and would see only the listener's names.
    guard.__name__ = listener.__name__
    guard.__qualname__ = listener.__qualname__
    guard.__doc__ = listener.__doc__
    guard.__module__ = listener.__module__
    guard.__signature__ = signature.replace(  # type: ignore[attr-defined]  # __signature__ is read by inspect; Bolt injects by it
        parameters=[*signature.parameters.values(), *extra]
    )
    return guard


def register(app: App) -> None:
    @app.error
    def handle_error(error: Exception, body: dict, respond: Respond | None) -> BoltResponse | None:
        tell(respond, body, user_message(error, body.get("type") or "command"))
        return None
