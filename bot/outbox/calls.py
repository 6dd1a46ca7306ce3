"""One Slack Web API call from the outbox, and how its failure is classified.

A call either answers, raises `Retry` (try again later; `unsure` when Slack may have done it)
or raises `Permanent` (Slack refused for good). A 429 also pauses that method for its
Retry-After, recorded in the caller's `paused_until`.
"""

from __future__ import annotations

import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

RETRYABLE_ERRORS = {
    "ratelimited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
}


class Retry(Exception):
    """A call to try again later; `unsure`: Slack may have done it (no or an ambiguous answer)."""

    def __init__(self, delay: float, reason: str, *, unsure: bool = True) -> None:
        super().__init__(reason)
        self.delay = delay
        self.reason = reason
        self.unsure = unsure


class Permanent(Exception):
    """Slack refused the call for good (its error code is the message)."""


def call(
    client: WebClient,
    paused_until: dict[str, float],
    method: str,
    args: dict[str, Any],
    *,
    form: bool = False,
) -> dict[str, Any]:
    """Call `method` (JSON body, or GET with `form`) and return Slack's answer."""
    try:
        if form:
            response = client.api_call(method, http_verb="GET", params=args)
        else:
            response = client.api_call(method, json=args)
        return response.data  # type: ignore[return-value]
    except SlackApiError as exc:
        status = exc.response.status_code
        error = str(exc.response.get("error") or status)
        if status == 429:
            delay = float(exc.response.headers.get("Retry-After", 1) or 1)
            paused_until[method] = time.monotonic() + delay
            raise Retry(delay, "ratelimited", unsure=False) from None
        if status >= 500 or error in RETRYABLE_ERRORS:
            unsure = status != 503 and error not in ("ratelimited", "service_unavailable")
            raise Retry(-1, f"HTTP {status} {error}", unsure=unsure) from None
        raise Permanent(error) from None
    except (OSError, TimeoutError) as exc:
        refused = isinstance(getattr(exc, "reason", exc), ConnectionRefusedError)
        raise Retry(-1, type(exc).__name__, unsure=not refused) from None
