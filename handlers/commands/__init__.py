"""Commands listeners: each module registers its own.

`EARLY_ACKS`: a slash command whose ack depends on its text alone (no database, no Slack call)
names the function that makes it, which its listener acks with too. The HTTP route answers such
a command on the event loop, without waiting for a listener thread, then runs the listener,
whose own `ack()` then has nothing left to send (`handlers.http`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App

from handlers.commands import campaign, feedback, leads

EARLY_ACKS: dict[str, Callable[[dict], dict[str, Any]]] = {
    "/campaign": campaign.ack_args,
    "/feedback": feedback.ack_args,
    "/leads": leads.ack_args,
}


def register(app: App) -> None:
    campaign.register(app)
    feedback.register(app)
    leads.register(app)
