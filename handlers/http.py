"""`POST /slack/events`: verified here before anything reads the body, then dispatched to Bolt
on worker threads.

Order of work for each request:
1. the signature (`X-Slack-Signature`, `X-Slack-Request-Timestamp`) is checked with slack_sdk's
   `SignatureVerifier` (constant time, 5-minute window) after a strict format check, so a
   missing, malformed or wrong signature, a non-numeric or stale timestamp, or a non-UTF-8
   body is a 401 and nothing else: no parsing, no listener, no response_url, no traceback
   (unverified requests are logged as one short, rate-limited line);
2. a signature seen in the last 5 minutes is a replay: 401 (`bot.replays`; Events API
   deliveries are exempt, Slack re-signs its retries and `event_id` deduplicates them);
3. a verified body that Bolt cannot route (`payload=null`, no type, an empty `actions` list,
   an unknown type) is answered 200 with nothing done;
4. Bolt dispatches on the services' listener threads (`Handoff.listeners`; Bolt's own
   Starlette adapter runs the synchronous `App.dispatch` on the event loop, which serialises
   requests), with a `respond` that only calls Slack's hosts (`handlers.respond`). The
   listener runs on that same thread (`handlers.errors.guarded`), and its `ack()` hands the
   response straight to the event loop, which answers Slack while the listener goes on:
   one thread hop each way, none back through a waiting thread;
5. from its verification to its answer the request counts as awaiting its ack
   (`bot.priority`): meanwhile background work (the outbox, lead batches, any other thread's
   next database session, a listener's answers after its ack) gives way, for 50 ms at most.

A slash command whose ack depends on its text alone (`handlers.commands.EARLY_ACKS`: `/campaign`,
`/feedback`, `/leads`) skips the hops: the event loop checks the signature for a replay (an
awaited, coalesced read, `SeenSignatures.first_time_async`), answers with that ack itself, and
only then hands the request to a listener thread, where the listener's own `ack()` has nothing
left to send. Under lead load a thread hop costs an ack a wait for the interpreter each way
(bench/ack_tails.py); the loop alone answers as a bare async Bolt app does.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
import uuid
from asyncio import FIRST_COMPLETED
from typing import Any

from slack_bolt import Ack, App, BoltRequest, BoltResponse
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_sdk.signature import SignatureVerifier
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.logsetup import exception_summary
from bot.priority import Priority
from bot.replays import WINDOW, SeenSignatures
from bot.services import Handoff
from handlers import NO_SIGNING_SECRET, respond
from handlers.commands import EARLY_ACKS
from handlers.context import ON_ACK
from handlers.errors import ACK_WAIT
from handlers.web import BodyTooLarge, error, read_body

log = logging.getLogger(__name__)

SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
TIMESTAMP = re.compile(r"[0-9]{1,12}")
REFUSAL_LOG_EVERY = 60.0


def unverified_reason(
    verifier: SignatureVerifier | None, body: bytes, timestamp: str | None, signature: str | None
) -> str | None:
    """Why the request is not Slack's (None when its signature is good and fresh)."""
    if verifier is None:
        return "no signing secret configured"
    if not signature or not timestamp:
        return "no signature"
    if not TIMESTAMP.fullmatch(timestamp) or not SIGNATURE.fullmatch(signature):
        return "malformed signature"
    if abs(time.time() - int(timestamp)) > WINDOW:
        return "stale timestamp"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "body is not UTF-8"
    if not verifier.is_valid(text, timestamp, signature):
        return "wrong signature"
    return None


class RefusalLog:
    """One short warning line per minute at most, counting what was refused meanwhile."""

    def __init__(self, every: float = REFUSAL_LOG_EVERY) -> None:
        self.every = every
        self._lock = threading.Lock()
        self._last = float("-inf")
        self._counts: dict[str, int] = {}

    def refused(self, reason: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._counts[reason] = self._counts.get(reason, 0) + 1
            if now - self._last < self.every:
                return
            self._last, counts, self._counts = now, self._counts, {}
        summary = ", ".join(f"{count} {why}" for why, count in sorted(counts.items()))
        log.warning("refused unverified Slack requests with 401 (%s)", summary)


def routable(body: Any) -> bool:
    """Whether a verified body has the shape Bolt's matchers rely on."""
    if not isinstance(body, dict):
        return False
    kind = body.get("type")
    if "command" in body:
        return isinstance(body["command"], str) and body["command"].startswith("/")
    if not isinstance(kind, str):
        return False
    if kind in ("block_actions", "interactive_message"):
        actions = body.get("actions")
        return (
            isinstance(actions, list)
            and bool(actions)
            and all(isinstance(a, dict) for a in actions)
        )
    if kind in ("view_submission", "view_closed"):
        return isinstance(body.get("view"), dict)
    if kind == "event_callback":
        return isinstance(body.get("event"), dict)
    return True


def early_ack(body: Any) -> BoltResponse | None:
    """The ack of a slash command that `EARLY_ACKS` can answer from its text (None: any other
    request, or one its function cannot answer, which then goes the usual way)."""
    command = body.get("command") if isinstance(body, dict) else None
    make = EARLY_ACKS.get(command) if isinstance(command, str) else None
    if make is None or not routable(body):
        return None
    try:
        return Ack()(**make(body))
    except Exception as exc:  # the listener's own path answers (and reports) it
        log.warning("could not make the ack of %s early: %s", command, exception_summary(exc))
        return None


def is_event_delivery(body: dict) -> bool:
    return body.get("type") == "event_callback" and isinstance(body.get("event_id"), str)


def no_op() -> Response:
    return Response(status_code=200)


def slack_route(app: App, handoff: Handoff | None = None) -> Route:
    """`handoff` (None: a bare Bolt app, for the benchmarks) lends the route its listener
    threads, which dispatch to Bolt and run the listeners, and its count of requests awaiting
    their ack (`bot.priority`), which background work gives way to: a verified request
    counts from here to its answer."""
    secret = app._signing_secret  # Bolt keeps its secret private
    verifier = SignatureVerifier(secret) if secret and secret != NO_SIGNING_SECRET else None
    refusals = RefusalLog()
    replays = getattr(app, "_handoff_seen_signatures", None) or SeenSignatures(None)
    waiting = handoff.priority if handoff is not None else Priority()
    pool = handoff.listeners if handoff is not None else None

    def handle(bolt_request: BoltRequest, signature: str) -> BoltResponse | None:
        try:
            with waiting.urgent():  # this thread works towards the ack: it never gives way
                return route(bolt_request, signature)
        except Exception as exc:  # Bolt answers its own errors; this is the last boundary
            failed(exc)
            return None

    def after_early_ack(bolt_request: BoltRequest) -> None:
        """The listener of a request the event loop has answered (its replay check done). Its
        dispatch (Bolt's middleware and matchers, then the listener) is background work now:
        it gives way to the requests still awaiting their answer, such as the rest of a burst."""
        try:
            waiting.give_way()
            route(bolt_request, "", checked=True)
        except Exception as exc:
            failed(exc)

    def route(
        bolt_request: BoltRequest, signature: str, checked: bool = False
    ) -> BoltResponse | None:
        body = bolt_request.body
        if not routable(body):
            log.info("ignored a signed Slack request Handoff cannot route")
            return None
        if not checked and not is_event_delivery(body) and not replays.first_time(signature):
            return BoltResponse(status=401, body={"error": "replayed request"})
        # A listener's answers after its ack give way too (a no-op before it, `bot.priority`).
        respond.install(bolt_request.context, app, before_send=waiting.give_way)
        response = app.dispatch(bolt_request)
        if response.status == 404 or response.status >= 500:
            # Unhandled (unknown command, type or id), or an error the boundary already
            # told the user about: Slack gets its 200 and shows no "dispatch_failed".
            return None
        return response

    async def events(request: Request) -> Response:
        try:
            body = await read_body(request)
        except BodyTooLarge:
            return error(413, "request body too large")
        signature = request.headers.get("x-slack-signature")
        reason = unverified_reason(
            verifier, body, request.headers.get("x-slack-request-timestamp"), signature
        )
        if reason is not None:
            refusals.refused(reason)
            return error(401, "invalid request signature")
        try:
            bolt_request = to_bolt_request(request, body)
        except Exception:  # a signed body Bolt cannot parse (payload=null, bad JSON...)
            log.info("ignored a signed Slack request whose body Bolt cannot parse")
            return no_op()
        loop = asyncio.get_running_loop()
        early = early_ack(bolt_request.body) if handoff is not None else None
        if early is not None:
            with waiting.waiting():
                first = await replays.first_time_async(signature or "")
            if not first:
                refusals.refused("replayed")
                return error(401, "replayed request")
            bolt_request.context[ON_ACK] = _answered_already
            try:  # its failures are logged by `after_early_ack`: nothing awaits it
                loop.run_in_executor(pool, after_early_ack, bolt_request)
            except RuntimeError:  # the listener threads have stopped: the server is stopping
                return error(503, "Handoff is restarting; try again in a moment")
            return to_starlette_response(early)
        acked: asyncio.Future[BoltResponse] = loop.create_future()

        def answer(response: BoltResponse) -> None:  # from the listener's thread, at its ack
            loop.call_soon_threadsafe(_resolve, acked, response)

        bolt_request.context[ON_ACK] = answer
        with waiting.waiting():
            try:
                dispatched = loop.run_in_executor(pool, handle, bolt_request, signature or "")
            except RuntimeError:  # the listener threads have stopped: the server is stopping
                return error(503, "Handoff is restarting; try again in a moment")
            await asyncio.wait((acked, dispatched), timeout=ACK_WAIT, return_when=FIRST_COMPLETED)
        if acked.done():
            bolt_response: BoltResponse | None = acked.result()
        elif dispatched.done():
            bolt_response = dispatched.result()
        else:  # no ack within Slack's 3 seconds: the listener answers by other means
            return no_op()
        if bolt_response is None:
            return no_op()
        if bolt_response.status == 401:
            refusals.refused("replayed")
            return error(401, "replayed request")
        return to_starlette_response(bolt_response)

    return Route("/slack/events", events, methods=["POST"])


def _resolve(future: asyncio.Future[BoltResponse], response: BoltResponse) -> None:
    if not future.done():
        future.set_result(response)


def _answered_already(_response: BoltResponse) -> None:
    """ON_ACK of a command the event loop has answered: the listener's ack sends nothing."""


def failed(exc: Exception) -> None:
    """The last boundary of a Slack request: one line with an id, no message text."""
    error_id = uuid.uuid4().hex[:8]
    log.error("Slack request failed (error %s: %s)", error_id, exception_summary(exc))
