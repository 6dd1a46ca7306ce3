"""The sandbox's lifecycle: one uvicorn server on the loopback serving the fake Slack (under
`/sandbox/slack/`), the page, and the real app (`/slack/events`, `/leads`, `/healthz`).

Order matters: the app's Slack calls (its `auth.test` when it starts, then every message) go
to this very server, so the server starts first (serving the fake and the page, and 503 for
the app's routes), then the app is built and switched in.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.config import ConfigError, Settings
from bot.durations import format_duration
from bot.services import Handoff
from bot.signing import sign_body
from handlers import build_bolt_app
from handlers.http import slack_route
from handlers.web import create_web_app
from sandbox import demo, persist
from sandbox.api import build_routes
from sandbox.fakeslack import FakeSlack, create_app
from sandbox.modals import Modals
from sandbox.relay import Relay, post
from sandbox.settings import HOST, SLACK_PREFIX, STATE_FILE, database_path, sandbox_settings
from sandbox.shapes import sandbox_sources
from sandbox.state import Changes

log = logging.getLogger("handoff.sandbox")


class _Switch:
    """Sends `/` and `/sandbox/…` to the sandbox, everything else to the app once it is built."""

    def __init__(self, sandbox_app: ASGIApp) -> None:
        self.sandbox_app = sandbox_app
        self.product: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and not _loopback_host(scope):
            # Only this computer's browser: a page elsewhere that resolves its own name to
            # 127.0.0.1 (DNS rebinding) gets nothing.
            await JSONResponse({"error": "use http://127.0.0.1"}, 421)(scope, receive, send)
        elif scope["type"] != "http" or path == "/" or path.startswith("/sandbox/"):
            await self.sandbox_app(scope, receive, send)
        elif self.product is None:
            await JSONResponse({"error": "the sandbox is starting"}, 503)(scope, receive, send)
        else:
            await self.product(scope, receive, send)


class Sandbox:
    def __init__(self, base: Settings, *, workdir: Path, fresh: bool = False) -> None:
        self._socket = _bind(base.port)
        self.port = self._socket.getsockname()[1]
        self.url = f"http://{HOST}:{self.port}"
        self.workdir = workdir.resolve()
        self.settings = sandbox_settings(base, workdir=self.workdir, port=self.port)
        self.fresh = fresh
        self.fake = FakeSlack(valid_tokens={self.settings.slack_bot_token or ""})
        self.changes = Changes(self.fake)
        self.relay = Relay(
            self.fake,
            Modals(self.fake, self.changes.bump),
            app_url=self.url,
            slack_url=f"{self.url}{SLACK_PREFIX}",
            signing_secret=self.settings.slack_signing_secret or "",
        )
        self.closing = False
        self.handoff: Handoff | None = None
        self._switch = _Switch(
            Starlette(routes=[Mount(SLACK_PREFIX, create_app(self.fake)), *build_routes(self)])
        )
        config = uvicorn.Config(
            self._switch, log_level="warning", lifespan="off", timeout_graceful_shutdown=2
        )
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self.server.run,
            kwargs={"sockets": [self._socket]},
            name="sandbox-http",
            daemon=True,
        )
        self._saver: persist.Saver | None = None

    @property
    def db(self) -> Any:
        return self.handoff.db if self.handoff else None

    @property
    def state_path(self) -> Path:
        return self.workdir / STATE_FILE

    def start(self) -> Sandbox:
        demo.seed_workspace(self.fake)
        resumed = not self.fresh and self._resume()
        if not resumed:
            self._forget()
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the sandbox's web server did not start")
            time.sleep(0.01)
        handoff = self.handoff = Handoff.build(self.settings)
        if handoff.sources is not None:  # "New lead" can send CRM-shaped bodies
            handoff.sources.sources.update(
                sandbox_sources(self.settings.leads_webhook_secret or "")
            )
        handoff.db.upgrade()
        # The app's Slack calls (auth.test when it starts, then messages) reach the fake here.
        route = slack_route(build_bolt_app(handoff), handoff)
        self._switch.product = create_web_app(handoff, [route])
        if not resumed:
            with handoff.db.session() as session:
                demo.seed_database(session, sales_channel=self.settings.sales_channel or "")
        handoff.start()
        if not resumed:
            self._post_demo_leads()
        self._saver = persist.Saver(self.fake, self.state_path)
        self._saver.start()
        self._announce(resumed)
        return self

    def _resume(self) -> bool:
        return database_path(self.workdir).exists() and persist.load(self.fake, self.state_path)

    def _forget(self) -> None:
        """Start over: the sandbox's own files only, never anything else."""
        db = database_path(self.workdir)
        for path in (
            db,
            db.with_name(db.name + "-wal"),
            db.with_name(db.name + "-shm"),
            self.state_path,
        ):
            path.unlink(missing_ok=True)

    def _post_demo_leads(self) -> None:
        body = json.dumps(list(demo.LEADS)).encode()
        secret = self.settings.leads_webhook_secret or ""
        headers = {
            "content-type": "application/json",
            "x-handoff-signature": sign_body(secret, body),
        }
        answer = post(f"{self.url}/leads", body, headers)
        if answer.status != 202:
            log.warning("the demo leads were not accepted: HTTP %s", answer.status)

    def _announce(self, resumed: bool) -> None:
        data = database_path(self.workdir)
        log.warning(
            "\n\n  Handoff SANDBOX: no Slack workspace is connected. Handoff runs against a"
            " built-in stand-in for Slack;\n  nothing is sent to Slack.\n\n"
            "  Open %s/ in your browser.\n\n"
            "  %s Its data is in %s and %s\n"
            "  (DATABASE_URL is not used). Start over with: python app.py sandbox --fresh\n"
            "  Demo timings: a reminder after %s, escalation to the manager after %s.\n\n"
            "  To connect a real workspace, create the Slack app from manifest.yml and set\n"
            "  SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SALES_CHANNEL and MARKETING_CHANNEL\n"
            '  (see README.md, "Install in Slack"); then python app.py runs for real.\n',
            self.url,
            "Resumed the previous sandbox." if resumed else "A fresh demo was seeded.",
            data,
            self.state_path.name,
            format_duration(self.settings.hot_lead_sla),
            format_duration(self.settings.escalate_after),
        )

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C or SIGTERM)."""
        try:
            while self._thread.is_alive():
                self._thread.join(0.5)
        except KeyboardInterrupt:
            pass

    def stop(self) -> None:
        self.closing = True
        self.server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(10)
        if self._saver is not None:
            self._saver.stop()
        if self.handoff is not None:
            self.handoff.stop()
        self._socket.close()

    def __enter__(self) -> Sandbox:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def _loopback_host(scope: Scope) -> bool:
    host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return name in ("127.0.0.1", "localhost", "[::1]")


def _bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # As every server does: connections the last run closed (TIME_WAIT) do not hold the port,
    # while another program listening on it still does.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(
            "PORT", f"{HOST}:{port} is not free ({exc.strerror}); set PORT to a free port"
        ) from None
    return sock
