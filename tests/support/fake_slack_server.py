"""`FakeSlackServer`: the fake Slack Web API served over real HTTP, for `slack_sdk.WebClient`.

with FakeSlackServer() as server:
    client = WebClient(token="xoxb-test", base_url=server.url)
    client.chat_postMessage(channel="C1", text="hi")
    server.fake.wait_for("chat.postMessage")
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import uvicorn

from sandbox.fakeslack import FakeSlack, create_app


class FakeSlackServer:
    """Runs `create_app(fake)` under uvicorn on 127.0.0.1 (ephemeral port) in a daemon thread."""

    def __init__(
        self, fake: FakeSlack | None = None, startup_timeout: float = 5.0, port: int = 0
    ) -> None:
        self.fake = fake or FakeSlack()
        self._port = port
        self._startup_timeout = startup_timeout
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:{port}` (no trailing slash)."""
        if self._socket is None:
            raise RuntimeError("FakeSlackServer is not running; call start() or use `with`")
        host, port = self._socket.getsockname()[:2]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        """The Web API base URL, as `WebClient(base_url=...)` expects it (ends in "/api/")."""
        return f"{self.base_url}/api/"

    def response_url(
        self,
        channel: str,
        user: str | None = None,
        message_ts: str | None = None,
        thread_ts: str | None = None,
    ) -> str:
        """A response_url acting on `channel` (and `message_ts`, for replace/delete_original)."""
        token = self.fake.register_response_url(channel, user, message_ts, thread_ts)
        return f"{self.base_url}/response/{token}"

    def start(self) -> FakeSlackServer:
        if self._thread is not None:
            return self
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", self._port))
        config = uvicorn.Config(
            create_app(self.fake), log_level="warning", lifespan="off", access_log=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )
        self._thread.start()
        self._await_startup()
        return self

    def _await_startup(self) -> None:
        deadline = time.monotonic() + self._startup_timeout
        while not (self._server and self._server.started):
            if not (self._thread and self._thread.is_alive()) or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the fake Slack server did not start")
            time.sleep(0.005)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> FakeSlackServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
