"""The one error boundary: users get a polite ephemeral answer, the log gets an error id.

Two ways an error reaches it, both through Bolt's public API: `@app.error` (errors raised
before a listener runs), and `guarded`, the decorator every `register(app)` applies to its
listeners as it hands them to Bolt (`app.command("/leads")(guarded(leads_callback))`). The
wrapper exists because slack_bolt (1.30) throws away an `ack()` that was already sent when the
listener raises afterwards: Slack then sees no answer within 3 s and shows the user an error,
although the listener had acked. A guarded listener never raises into Bolt: it acks if it had
not, and reports the error itself.

`guarded` also decides when Slack gets its answer. The Bolt app is built with
`process_before_response=True`, so Bolt calls the guard on the thread that serves the request
and answers as soon as the guard returns. Bolt's own runner would instead poll for the ack
every 10 ms (`slack_bolt/listener/thread_runner.py`), which the profile in
bench/profile_ack.py showed as the largest part of an idle ack.
- Over HTTP (`handlers.http` puts an `ON_ACK` callback in the context) the guard runs the
  listener on its own thread, and the listener's `ack()` hands the response to that callback:
  the event loop answers Slack at once while the listener goes on.
- Otherwise (Socket Mode) the guard hands the listener to Handoff's listener pool and returns
  the moment the listener calls `ack()` (a `threading.Event`), or when it finishes, whichever
  is first.
- Events API deliveries: the listener goes to the pool and the guard returns at once; Bolt
  acks them.
After its `ack()`, a listener is no longer urgent: its next database session or answer gives
way to the requests still awaiting theirs (`bot.priority`).
"""

from __future__ import annotations

import inspect
import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from slack_bolt import Ack, App, BoltResponse
from slack_bolt.context.respond import Respond

from bot.errors import Refusal
from bot.logsetup import exception_summary
from bot.priority import Priority
from handlers.context import HANDOFF, ON_ACK
from handlers.respond import HomeRespond, SlackRespond

log = logging.getLogger(__name__)

_EXTRA_ARGS = ("ack", "body", "respond", "context")
ACK_WAIT = 2.5  # seconds the request waits for a listener's ack (Slack gives up after 3)


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

    def run(kwargs: dict[str, Any], priority: Priority | None = None) -> None:
        try:
            if priority is None:
                listener(**{name: kwargs[name] for name in wanted if name in kwargs})
            else:
                with priority.urgent():  # until its ack (SignallingAck): it never gives way
                    listener(**{name: kwargs[name] for name in wanted if name in kwargs})
        except Exception as error:
            body = kwargs.get("body") or {}
            ack: Ack | None = kwargs.get("ack")
            if ack is not None and ack.response is None:
                ack()
            tell(kwargs.get("respond"), body, user_message(error, body.get("type") or "command"))

    def guard(**kwargs: Any) -> None:
        context = kwargs.get("context")
        handoff = context.get(HANDOFF) if context is not None else None
        pool = getattr(handoff, "listeners", None)
        if not isinstance(pool, Executor):  # called directly (tests): run it here
            run(kwargs)
            return
        if (kwargs.get("body") or {}).get("type") == "event_callback":
            pool.submit(run, kwargs)  # Bolt acks an event itself once the guard returns
            return
        priority: Priority | None = getattr(handoff, "priority", None)
        on_ack = context.get(ON_ACK) if context is not None else None
        if on_ack is not None and kwargs.get("ack") is not None:
            # Over HTTP the answer leaves at the ack (`handlers.http`): run it on this thread.
            kwargs["ack"] = SignallingAck(kwargs["ack"], on_ack, priority)
            run(kwargs, priority)
            return
        answered = threading.Event()
        if kwargs.get("ack") is not None:
            kwargs["ack"] = SignallingAck(kwargs["ack"], lambda _r: answered.set(), priority)
        pool.submit(run, kwargs, priority).add_done_callback(lambda _done: answered.set())
        answered.wait(ACK_WAIT)

    # Not functools.wraps: Bolt unwraps `__wrapped__` and would see only the listener's names.
    guard.__name__ = listener.__name__
    guard.__qualname__ = listener.__qualname__
    guard.__doc__ = listener.__doc__
    guard.__module__ = listener.__module__
    guard.__signature__ = signature.replace(  # type: ignore[attr-defined]  # __signature__ is read by inspect; Bolt injects by it
        parameters=[*signature.parameters.values(), *extra]
    )
    return guard


class SignallingAck:
    """Bolt's `ack`, which also hands its response to `answered` once it has been called (the
    request's thread, or the HTTP route directly), then lets the listener's work after the ack
    give way to the requests still awaiting theirs (`bot.priority`)."""

    def __init__(
        self,
        ack: Ack,
        answered: Callable[[BoltResponse], None],
        priority: Priority | None,
    ) -> None:
        self._ack = ack
        self._answered = answered
        self._priority = priority

    def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        response = self._ack(*args, **kwargs)  # if it raises, the guard acks again
        self._answered(response)
        if self._priority is not None:
            self._priority.not_urgent()
            self._priority.give_way()
        return response

    @property
    def response(self) -> BoltResponse | None:
        return self._ack.response


def register(app: App) -> None:
    @app.error
    def handle_error(error: Exception, body: dict, respond: Respond | None) -> BoltResponse | None:
        tell(respond, body, user_message(error, body.get("type") or "command"))
        return None
