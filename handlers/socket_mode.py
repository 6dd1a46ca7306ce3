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

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.slack_status import MAX_RETRY

log = logging.getLogger("handoff")

PING_INTERVAL = 3.0  # seconds


def socket_mode_handler(bolt: App, app_token: str | None) -> SocketModeHandler:
    return SocketModeHandler(bolt, app_token, ping_interval=PING_INTERVAL)


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
