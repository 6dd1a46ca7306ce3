"""Socket Mode: the connection to Slack when Handoff runs without a public URL.

slack_sdk's built-in client notices a connection that died without a close (a dropped network)
only when its pings fail 5 times in a row or no pong came for 4 ping intervals; its default
interval of 10 s leaves Handoff deaf for up to 50 s. `PING_INTERVAL` makes that about 15 s; it
then asks Slack for a new connection every interval until one opens (`apps.connections.open`),
logging each failure.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.priority import Priority
from bot.slack_status import MAX_RETRY

log = logging.getLogger("handoff")

PING_INTERVAL = 3.0  # seconds


class CountedSocketModeHandler(SocketModeHandler):
    """Slack's envelopes, each counted as awaiting its ack while Bolt dispatches it, as
    `handlers.http` counts HTTP requests (`bot.priority`): background work gives way."""

    def __init__(self, bolt: App, app_token: str | None, priority: Priority, **kwargs: Any):
        super().__init__(bolt, app_token, **kwargs)
        self.priority = priority

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]  # as Bolt narrows it
        with self.priority.waiting(), self.priority.urgent():
            super().handle(client, req)


def socket_mode_handler(
    bolt: App, app_token: str | None, priority: Priority | None = None
) -> SocketModeHandler:
    return CountedSocketModeHandler(
        bolt, app_token, priority or Priority(), ping_interval=PING_INTERVAL
    )


def connect_socket_mode(socket: SocketModeHandler) -> None:
    """Connect now if Slack answers, else keep trying in the background with backoff."""

    def attempt() -> bool:
        try:
            socket.connect()
        except Exception as exc:
            log.warning("Socket Mode: cannot connect to Slack (%s); retrying", type(exc).__name__)
            return False
        log.info("Connected to Slack in Socket Mode")
        return True

    def retry() -> None:
        delay = 1.0
        while True:
            time.sleep(delay)
            if attempt():
                return
            delay = min(delay * 2, MAX_RETRY)

    if not attempt():
        threading.Thread(target=retry, name="socket-mode-connect", daemon=True).start()
