"""`apps.connections.open`: Socket Mode's WebSocket URL (the test's stand-in, when it set one)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.fakeslack.methods.checks import method
from sandbox.fakeslack.models import JsonDict, SlackError

if TYPE_CHECKING:
    from sandbox.fakeslack.fake import FakeSlack


@method("apps.connections.open")
def connections_open(fake: FakeSlack, _args: JsonDict) -> JsonDict:
    if fake.socket_mode_url is None:
        raise SlackError("socket_mode_not_enabled")
    return {"url": fake.socket_mode_url}
