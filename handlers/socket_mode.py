"""Socket Mode: the connection to Slack when Handoff runs without a public URL."""

from __future__ import annotations

import logging
import threading
import time

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.slack_status import MAX_RETRY

log = logging.getLogger("handoff")


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
