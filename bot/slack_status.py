"""Is Slack answering, and who are we there? `auth.test`, classified and retried.

Only an answer that proves the token bad stops startup (`TokenRejected`). Anything else (5xx,
429, a refused or timed-out connection) means "Slack is unreachable for now": Handoff starts
anyway, `/healthz` says so, and `auth.test` is retried in the background with backoff until it
answers; then every `SLACK_CHECK_INTERVAL` it is asked again so `/healthz` stays true.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import ConfigError

log = logging.getLogger(__name__)

# The answers that prove the token itself is wrong; retrying cannot help.
TOKEN_ERRORS = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked"})

FIRST_RETRY = 1.0
MAX_RETRY = 60.0
RECHECK_INTERVAL = 60.0


class TokenRejected(Exception):
    """Slack answered that the token is not valid (one of TOKEN_ERRORS)."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass(frozen=True)
class Identity:
    """The bot as Slack sees it, from a successful `auth.test`."""

    team_id: str | None
    enterprise_id: str | None
    user_id: str | None
    bot_id: str | None


class SlackStatus:
    """The last `auth.test` outcome: "ok", "unreachable" (with detail) or "token rejected"."""

    def __init__(self, client: WebClient, on_recovery: Callable[[], None] | None = None) -> None:
        self.client = client
        self.on_recovery = on_recovery
        self.identity: Identity | None = None
        self.state = "unknown"
        self.detail = "not checked yet"
        self._retry_after: float | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def report(self) -> dict[str, str]:
        with self._lock:
            if self.state == "ok":
                return {"slack": "ok"}
            return {"slack": self.state, "slack_detail": self.detail}

    def check(self) -> bool:
        """Ask `auth.test` once. True if Slack answered ok; raises TokenRejected if the token
        is bad; False (and the reason in `detail`) if Slack could not be reached."""
        try:
            response = self.client.auth_test()
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "")
            status = exc.response.status_code
            if error in TOKEN_ERRORS:
                self._set("token rejected", f"auth.test answered {error}")
                raise TokenRejected(error) from None
            headers = {key.lower(): value for key, value in (exc.response.headers or {}).items()}
            retry_after = headers.get("retry-after") if status == 429 else None
            self._set(
                "unreachable",
                f"auth.test answered HTTP {status}"
                + (f" {error}" if error else "")
                + (f" (Retry-After {retry_after}s)" if retry_after else ""),
                retry_after=_seconds(retry_after),
            )
            return False
        except Exception as exc:  # refused, reset, timed out, DNS, a non-JSON edge page …
            self._set("unreachable", f"auth.test failed: {type(exc).__name__}: {_short(exc)}")
            return False
        data = response.data if isinstance(response.data, dict) else {}
        identity = Identity(
            team_id=data.get("team_id"),
            enterprise_id=data.get("enterprise_id") or None,
            user_id=data.get("user_id"),
            bot_id=data.get("bot_id"),
        )
        with self._lock:
            recovered = self.state not in {"ok", "unknown"}
            self.identity, self.state, self.detail = identity, "ok", ""
            self._retry_after = None
        if recovered:
            log.info("Slack answers again (auth.test ok)")
            if self.on_recovery is not None:
                self.on_recovery()
        return True

    def _set(self, state: str, detail: str, retry_after: float | None = None) -> None:
        with self._lock:
            # The first answer is reported by the caller (startup); later changes here.
            changed = self.state != "unknown" and (state, detail) != (self.state, self.detail)
            self.state, self.detail, self._retry_after = state, detail, retry_after
        if changed and state == "unreachable":
            log.warning("Slack is unreachable: %s", detail)

    def start(self, recheck: float = RECHECK_INTERVAL) -> None:
        """Keep checking in the background: with backoff while Slack fails, then every `recheck`
        seconds."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, args=(recheck,), name="slack-status", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def _run(self, recheck: float) -> None:
        delay = FIRST_RETRY
        while True:
            if self.state == "ok":
                wait, delay = recheck, FIRST_RETRY
            else:
                wait = max(self._retry_after or 0.0, delay * random.uniform(0.8, 1.2))
                delay = min(delay * 2, MAX_RETRY)
            if self._stop.wait(min(wait, MAX_RETRY)):
                return
            try:
                self.check()
            except TokenRejected as exc:
                log.error(
                    "SLACK_BOT_TOKEN: Slack no longer accepts it (%s); nothing can be sent "
                    "until it is replaced",
                    exc.error,
                )
                delay = MAX_RETRY


def _seconds(value: object) -> float | None:
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    try:
        return float(value) if value is not None else None  # type: ignore[arg-type]  # TypeError/ValueError caught below
    except (TypeError, ValueError):
        return None


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return text[:200]


def check_token(slack: SlackStatus | None) -> None:
    """Stop only if Slack proves the token bad; if Slack cannot be reached, start anyway (the
    background check retries and /healthz says Slack is unreachable)."""
    assert slack is not None
    try:
        if not slack.check():
            log.warning(
                "Slack is unreachable (%s); starting anyway: leads are stored and messages wait "
                "in the outbox until Slack answers",
                slack.detail,
            )
    except TokenRejected as exc:
        raise ConfigError(
            "SLACK_BOT_TOKEN",
            f"Slack did not accept it ({exc.error}); copy the Bot User OAuth Token (xoxb-…) "
            "from your Slack app's OAuth & Permissions page",
        ) from None
