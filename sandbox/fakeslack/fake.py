"""`FakeSlack`: the workspace answering Web API calls like Slack does, with a call log and
failure injection for tests."""

from __future__ import annotations

from collections.abc import Iterable

from sandbox.fakeslack import methods
from sandbox.fakeslack.calllog import CallLog, Predicate
from sandbox.fakeslack.faults import FaultPlan
from sandbox.fakeslack.files import FileStore
from sandbox.fakeslack.limits import RateLimits
from sandbox.fakeslack.models import JsonDict, Reply, SlackError
from sandbox.fakeslack.workspace import Workspace

APP_LEVEL_METHOD = "apps.connections.open"


class FakeSlack(Workspace):
    """A fake Slack workspace and Web API. `valid_tokens=None` accepts any "xoxb-" token."""

    def __init__(self, valid_tokens: Iterable[str] | None = None) -> None:
        super().__init__()
        self.valid_tokens: set[str] | None = None if valid_tokens is None else set(valid_tokens)
        self._log = CallLog()
        self._faults = FaultPlan()
        self.files = FileStore()  # uploads through files.getUploadURLExternal
        self.limits: RateLimits | None = None  # Slack's rate limits, when enforced

    def enforce_rate_limits(self) -> RateLimits:
        """From now on answer calls over Slack's published limits with 429 + Retry-After
        (`sandbox.fakeslack.limits`); returns the limits, whose `refused` counts the 429s."""
        self.limits = RateLimits()
        return self.limits
        # `apps.connections.open` answers this WebSocket URL (a test's Socket Mode stand-in).
        self.socket_mode_url: str | None = None

    def reset(self) -> None:
        """Back to an empty workspace with no recorded calls and no pending failures."""
        super().reset()
        self.files.reset()
        self._log.reset()
        self._faults.heal()

    def handle(self, method: str, args: JsonDict, token: str | None = None) -> Reply:
        """Answer one Web API call (`args` may hold the token) and record it."""
        args = dict(args)
        body_token = args.pop("token", None)
        token = token or body_token
        args = methods.normalize_args(args)
        limited = self.limits.check(method, args) if self.limits is not None else None
        reply = limited or self._faults.take(method) or self._answer(method, args, token)
        self._log.record(method, args, reply.status, token)
        return reply

    def handle_upload(self, file_id: str, content: bytes) -> Reply:
        """Answer a POST of a file's bytes to the upload URL files.getUploadURLExternal gave,
        recorded as "upload" (args: file_id and length)."""
        reply = self._faults.take("upload")
        if reply is None:
            problem = self.files.receive(file_id, content)
            reply = Reply(404 if problem else 200, problem or f"OK - {len(content)}")
        self._log.record("upload", {"file_id": file_id, "length": len(content)}, reply.status, None)
        return reply

    def handle_response(self, token: str, payload: JsonDict) -> Reply:
        """Answer a POST to a response_url (`/response/{token}`) and record it as "response_url"."""
        payload = methods.normalize_args(payload)
        reply = self._faults.take("response_url") or methods.respond(
            self, self.response_target(token), payload
        )
        self._log.record("response_url", payload, reply.status, token)
        return reply

    def _answer(self, method: str, args: JsonDict, token: str | None) -> Reply:
        handler = methods.HANDLERS.get(method)
        try:
            if handler is None:
                raise SlackError("unknown_method")
            self._authenticate(token, app_level=method == APP_LEVEL_METHOD)
            return Reply(200, {"ok": True, **handler(self, args)})
        except SlackError as error:
            return Reply(200, error.body())

    def _authenticate(self, token: str | None, *, app_level: bool = False) -> None:
        if not token:
            raise SlackError("not_authed")
        if app_level:  # Socket Mode's method takes the app-level token, and only that
            if not token.startswith("xapp-"):
                raise SlackError("not_allowed_token_type")
            return
        if self.valid_tokens is None:
            accepted = token.startswith("xoxb-")
        else:
            accepted = token in self.valid_tokens
        if not accepted:
            raise SlackError("invalid_auth")

    # -- call log and failures ------------------------------------------------------------

    @property
    def calls(self) -> list[JsonDict]:
        """Every call so far: dicts of method, args, at (epoch seconds), status, token."""
        return self._log.calls

    def calls_to(self, method: str, *, status: int | None = 200) -> list[JsonDict]:
        """The args of the calls to `method` answered with HTTP `status` (None: any)."""
        return self._log.calls_to(method, status=status)

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,
        predicate: Predicate | None = None,
        *,
        status: int | None = 200,
    ) -> list[JsonDict]:
        """The args of the calls to `method` answered with HTTP `status` (None: any) for which
        `predicate(args)` holds, once there are at least `count`; AssertionError on timeout."""
        return self._log.wait_for(method, count, timeout, predicate, status=status)

    def reset_calls(self) -> None:
        self._log.reset()

    def fail_next(
        self,
        method: str | None = None,
        status: int = 503,
        count: int = 1,
        retry_after: float | None = None,
    ) -> None:
        """Make the next `count` calls (to `method`, or to anything) fail with `status`."""
        self._faults.fail_next(method, status, count, retry_after)

    def fail_for(
        self,
        seconds: float,
        status: int = 503,
        retry_after: float | None = None,
        method: str | None = None,
    ) -> None:
        """Make every matching call in the next `seconds` fail with `status`."""
        self._faults.fail_for(seconds, status, retry_after, method)

    def delay_next(self, method: str | None = None, seconds: float = 5.0, count: int = 1) -> None:
        """Make the next `count` calls (to `method`, or to anything) take effect at once but
        answer `seconds` late (over HTTP; see `create_app`)."""
        self._faults.delay_next(method, seconds, count)

    def take_delay(self, method: str) -> float:
        """Seconds the HTTP answer to this call is held back (0: none); used by the HTTP app."""
        return self._faults.take_delay(method)

    def heal(self) -> None:
        self._faults.heal()
