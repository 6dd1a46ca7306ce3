"""`python app.py …` as a real process, as an admin would run it: the one launcher for every
test that starts the app (`AppProcess`), the sandbox (`AppProcess.sandbox`) or a one-shot
command (`run_app`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from tests.support.running_app import free_socket

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
HANDOFF_SETTINGS = ("SLACK_", "LEADS_", "DATABASE_", "HOT_", "WORKING_", "SYNC_")
SANDBOX_READY = "Open http"  # the sandbox's banner, printed once the page is served
PORT_ATTEMPTS = 3


class PortTaken(RuntimeError):
    """The app could not bind the port picked for it."""


def app_env(slack_url: str, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of an app talking to the fake Slack at `slack_url`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(HANDOFF_SETTINGS)}
    env.update(
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_SIGNING_SECRET="test-signing-secret",
        SLACK_API_URL=slack_url,
        DATABASE_URL=database_url,
        SALES_CHANNEL="CSALES",
        MARKETING_CHANNEL="CMARKETING",
        LEADS_WEBHOOK_SECRET="test-webhook-secret-0123456789",
        WORKING_HOURS="always",
        # No weekly report posts into the channels a test counts, unless it asks for one.
        SYNC_REPORT="off",
        CHANNEL_POST_INTERVAL="0s",
        HOST="127.0.0.1",
        LOG_LEVEL="WARNING",
        ROUTING="channel",  # unowned leads wait in CSALES, unless a test routes them
    )
    env.update(extra)
    return env


def sandbox_env(**extra: str) -> dict[str, str]:
    """The environment minus every Handoff setting, plus `extra`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith((*HANDOFF_SETTINGS, "PORT"))
    }
    return {**env, "LOG_LEVEL": "INFO", **extra}


def run_app(
    *args: str,
    env: dict[str, str],
    cwd: Path,
    prefix: Sequence[str] = (),
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """`python app.py ARGS` to completion, its output captured."""
    return subprocess.run(
        [*prefix, sys.executable, APP, *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class AppProcess:
    """`python app.py ARGS` on a free port, started (`start()` or `with`) once `/healthz`
    answers 200 (and, for the sandbox, once its banner is out)."""

    def __init__(
        self,
        env: dict[str, str],
        cwd: Path,
        *args: str,
        prefix: list[str] | None = None,
        ready_line: str | None = None,
        timeout: float = 60.0,  # a start-up wait, not a speed check: a loaded CI box is slow
    ) -> None:
        self.base_env = env
        self.cwd = cwd
        self.args = args
        self.prefix = prefix or []  # e.g. setpriv …, to run the app with fewer privileges
        self.ready_line = ready_line
        self.timeout = timeout
        self.process: subprocess.Popen[bytes] | None = None
        self._pick_port()

    def _pick_port(self) -> None:
        sock = free_socket()
        self.port = sock.getsockname()[1]
        sock.close()
        self.env = {**self.base_env, "PORT": str(self.port)}
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = self.cwd / f"app-{self.port}.log"

    @classmethod
    def sandbox(cls, cwd: Path, *args: str, env: dict[str, str] | None = None) -> AppProcess:
        """`python app.py ARGS` expected to run the sandbox (no Slack settings in `env`)."""
        return cls(env or sandbox_env(), cwd, *args, ready_line=SANDBOX_READY, timeout=30.0)

    def start(self) -> AppProcess:
        # The port was free when picked, but between closing it and the app binding it, any
        # outgoing connection on this machine (the other test worker's, say) may take it as its
        # own end. That race is this launcher's, not the app's: pick another port and go again.
        for _ in range(PORT_ATTEMPTS - 1):
            try:
                return self._start()
            except PortTaken:
                self._pick_port()
        return self._start()

    def _start(self) -> AppProcess:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [*self.prefix, sys.executable, APP, *self.args],
                cwd=self.cwd,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if "address already in use" in self.output().lower():
                    raise PortTaken(self.output())
                raise RuntimeError(f"app exited with {self.process.returncode}: {self.output()}")
            ready = self.ready_line is None or self.ready_line in self.output()
            if ready and self._healthy():
                return self
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"app did not become healthy: {self.output()}")

    def _healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, as in a crash."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> int | None:
        """SIGTERM, as a service manager stops it; the exit code."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.process.returncode if self.process else None

    def __enter__(self) -> AppProcess:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
