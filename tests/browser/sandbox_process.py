"""`python app.py sandbox` as a real process in a temporary working directory."""

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


def sandbox_env(**extra: str) -> dict[str, str]:
    """The environment minus every Handoff setting, plus `extra`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "LEADS_", "DATABASE_", "HOT_", "WORKING_", "PORT"))
    }
    return {**env, "LOG_LEVEL": "INFO", **extra}


class SandboxProcess:
    def __init__(self, cwd: Path, *args: str, env: dict[str, str] | None = None) -> None:
        sock = free_socket()
        self.port = sock.getsockname()[1]
        sock.close()
        self.cwd = cwd
        self.args = args
        self.env = {**(env or sandbox_env()), "PORT": str(self.port)}
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = cwd / f"sandbox-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> SandboxProcess:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(ROOT / "app.py"), *self.args],
                cwd=self.cwd,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the sandbox exited: {self.output()}")
            if "Open http" in self.output() and self._healthy():
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the sandbox did not start: {self.output()}")

    def _healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> int | None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        return self.process.returncode if self.process else None

    def __enter__(self) -> SandboxProcess:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
