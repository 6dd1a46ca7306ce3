"""The one way a service says no to a person: `Refusal`.

A service raises `Refusal(message, kind, **context)`; the handlers' error boundary
(handlers/errors.py) shows `message` to the person privately. `kind` names the refusal for a
caller that answers with more than the message (e.g. `/feedback` renders its own notice from
`kind` and `context`, giving the typed text back).
"""

from __future__ import annotations

from typing import Any


class Refusal(Exception):
    """Something the user can fix or must be told; `message` is shown to them as it is
    (mrkdwn-safe)."""

    def __init__(self, message: str, kind: str = "refused", **context: Any) -> None:
        super().__init__(message, kind)
        self.message = message
        self.kind = kind
        self.context = context

    def __str__(self) -> str:
        return f"{self.message} ({self.kind})"
