"""The Slack outbox: every message Handoff sends is a row here first.

`enqueue()` adds the row in the caller's transaction, so a message exists exactly when the
change that causes it was committed. `Dispatcher` sends due rows in the background: woken at
once after a commit, retried with backoff on connection errors, 5xx and 429 (honouring
Retry-After), kept below each method's Slack rate-limit tier (`pacing`), spaced to about
one post per channel per second, and marked sent.

A row's message may be rendered when it is sent (`enqueue_rendered`, for messages that
change often).

Posts may carry a `key`; where they landed (channel, ts) is recorded under that key in
`slack_messages`, so a later `chat.update` or threaded reply can name its target by key even
before the target has been sent: such a row waits until its target exists.

Modules: `queue` (enqueue, keys and rows, the commit hook that wakes dispatchers), `calls`
(one Slack call and how its failure is classified), `claims` (claims, leases and the
heartbeat), `history` (the "may have landed" lookup in a conversation's history), `uploads`
(a file upload: Slack's external upload flow as one row), `pacing` (a token bucket per
method, below Slack's tiers) and `dispatcher` (the dispatcher
loop, channel pacing and recording the outcome).
"""

from bot.outbox.dispatcher import Dispatcher
from bot.outbox.queue import (
    enqueue,
    enqueue_rendered,
    is_queued,
    message_location,
    on_enqueue,
    pending_count,
    render_waiting,
    renders,
    reserve_keys,
)

__all__ = [
    "Dispatcher",
    "enqueue",
    "enqueue_rendered",
    "is_queued",
    "message_location",
    "on_enqueue",
    "pending_count",
    "render_waiting",
    "renders",
    "reserve_keys",
]
