"""`SocketModeStandIn`: Slack's side of a Socket Mode connection, served on ws://127.0.0.1.

The fake Web API's `apps.connections.open` hands out `url`; the app connects, gets `hello`, and
then receives envelopes (`send`) and answers each with its `envelope_id` (`ack`). `drop()` cuts
the connection without a word, as a network failure would.
"""

from __future__ import annotations

import itertools
import json
import queue
import socket
import threading
import time
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve


class SocketModeStandIn:
    def __init__(self) -> None:
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._current: ServerConnection | None = None
        self.connections = 0
        self.acks: dict[str, dict[str, Any]] = {}
        self._acked = threading.Condition(self._lock)
        self._ids = itertools.count(1)
        self.received: queue.Queue[dict[str, Any]] = queue.Queue()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host}:{port}/link/?ticket=test"

    def __enter__(self) -> SocketModeStandIn:
        self._server = serve(self._handle, "127.0.0.1", 0)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
        if self._thread is not None:
            self._thread.join(5)

    def _handle(self, connection: ServerConnection) -> None:
        with self._lock:
            self._current = connection
            self.connections += 1
            self._acked.notify_all()
        hello = {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0001"}}
        connection.send(json.dumps(hello))
        try:
            for raw in connection:
                message = json.loads(raw)
                with self._lock:
                    if "envelope_id" in message:
                        self.acks[message["envelope_id"]] = message
                    self._acked.notify_all()
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                if self._current is connection:
                    self._current = None

    def wait_connected(self, count: int, timeout: float = 30) -> None:
        """Until the app has opened `count` connections in all and one is open now."""
        with self._lock:
            done = self._acked.wait_for(
                lambda: self.connections >= count and self._current is not None, timeout
            )
        assert done, f"{self.connections} connection(s) after {timeout}s, wanted {count}"

    def send(self, kind: str, payload: dict[str, Any]) -> str:
        """Deliver one envelope (`slash_commands`, `interactive`, `events_api`); its id."""
        envelope_id = f"env-{next(self._ids)}"
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": 0,
            "retry_reason": "",
        }
        with self._lock:
            connection = self._current
        assert connection is not None, "the app is not connected"
        connection.send(json.dumps(envelope))
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = 30) -> dict[str, Any]:
        with self._lock:
            done = self._acked.wait_for(lambda: envelope_id in self.acks, timeout)
            assert done, f"no ack for {envelope_id} within {timeout}s"
            return self.acks[envelope_id]

    def drop(self) -> None:
        """Cut the open connection (no `disconnect` message first)."""
        with self._lock:
            connection = self._current
        assert connection is not None
        connection.socket.shutdown(socket.SHUT_RDWR)  # the TCP connection ends, no close frame
        connection.socket.close()
        deadline = time.monotonic() + 5
        while self._current is connection and time.monotonic() < deadline:
            time.sleep(0.01)
