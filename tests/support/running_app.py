"""The whole app (web server, Bolt, outbox dispatcher) running in this process on a free port,
talking to a fake Slack Web API, as the scenario tests drive it."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import replace
from typing import Any

import httpx
import uvicorn

from bot.config import Settings
from bot.services import Handoff
from handlers import build_bolt_app
from handlers.http import slack_route
from handlers.web import create_web_app
from tests.support.slack_requests import SlackSender, lead_headers


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class RunningApp:
    def __init__(self, settings: Settings, *, start_dispatcher: bool = True) -> None:
        self.settings = settings
        self.handoff = Handoff.build(settings)
        self.handoff.db.upgrade()
        self.bolt = build_bolt_app(self.handoff)
        self.web = create_web_app(self.handoff, [slack_route(self.bolt, self.handoff)])
        self._socket = free_socket()
        self.port = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = uvicorn.Server(uvicorn.Config(self.web, log_level="warning", lifespan="off"))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )
        self._start_dispatcher = start_dispatcher
        self.http = httpx.Client(base_url=self.url, timeout=30)
        self.slack = SlackSender(self.url, settings.slack_signing_secret or "")

    def __enter__(self) -> RunningApp:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the app did not start within 10 s")
            time.sleep(0.01)
        if self._start_dispatcher:
            self.handoff.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.slack.close()
        self.http.close()
        self._server.should_exit = True
        self._thread.join(10)
        self.handoff.stop()

    def post_leads(self, payload: Any, *, secret: str | None = None) -> httpx.Response:
        body = json.dumps(payload).encode()
        headers = lead_headers(secret or self.settings.leads_webhook_secret or "", body)
        return self.http.post("/leads", content=body, headers=headers)


def app_settings(settings: Settings, slack_url: str, database_url: str, **changes: Any) -> Settings:
    return replace(settings, slack_api_url=slack_url, database_url=database_url, **changes)
