"""`python app.py` as a real process, as an admin would run it, for end-to-end tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.running_app import free_socket

ROOT = Path(__file__).resolve().parents[2]


def app_env(slack_url: str, database_url: str, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "LEADS_", "DATABASE_", "HOT_", "WORKING_"))
    }
    env.update(
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_SIGNING_SECRET="test-signing-secret",
        SLACK_API_URL=slack_url,
        DATABASE_URL=database_url,
        SALES_CHANNEL="CSALES",
        MARKETING_CHANNEL="CMARKETING",
        LEADS_WEBHOOK_SECRET="test-webhook-secret-0123456789",
        WORKING_HOURS="always",
        CHANNEL_POST_INTERVAL="0s",
        HOST="127.0.0.1",
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


class AppProcess:
    def __init__(self, env: dict[str, str], cwd: Path, prefix: list[str] | None = None) -> None:
        sock = free_socket()
        self.port = sock.getsockname()[1]
        sock.close()
        self.env = {**env, "PORT": str(self.port)}
        self.cwd = cwd
        self.prefix = prefix or []  # e.g. setpriv …, to run the app with fewer privileges
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = cwd / f"app-{self.port}.log"

    def start(self, timeout: float = 20.0) -> AppProcess:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [*self.prefix, sys.executable, str(ROOT / "app.py")],
                cwd=self.cwd,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"app exited with {self.process.returncode}: {self.output()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"app did not become healthy: {self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, as in a crash."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> AppProcess:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
