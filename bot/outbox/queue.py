"""Enqueueing: outbox rows and their keys, and the commit hook that wakes the dispatchers.

A row is added in the caller's transaction; after that transaction commits, every registered
waiter (each running `Dispatcher`) is woken. Also the small row queries the dispatcher shares:
the key a post carries, whether an update is moot, and failing the rows that depend on a post.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction

from bot.models import OutboxMessage, SlackMessage, utcnow
from bot.states import OutboxStatus

_waiters: list[Callable[[], None]] = []


def on_enqueue(callback: Callable[[], None]) -> None:
    """Register a callback run after a commit that added outbox rows (the dispatcher's wake)."""
    _waiters.append(callback)


def forget_waiter(callback: Callable[[], None]) -> None:
    """Unregister a callback given to `on_enqueue` (a stopped dispatcher)."""
    if callback in _waiters:
        _waiters.remove(callback)


def _wake_all() -> None:
    for callback in list(_waiters):
        callback()


def enqueue(
    session: Session,
    method: str,
    *,
    key: str | None = None,
    target: str | None = None,
    thread: str | None = None,
    **args: Any,
) -> OutboxMessage | None:
    """Owe Slack a call of `method` with `args`, sent after `session` commits.

    key: idempotency key; a second enqueue with the same key is ignored (returns None), also
      after the first one's row was pruned (bot.retention) if it was a post that landed.
      For a post, the key also names where the message lands.
    target: key of a posted message this call acts on (chat.update): its channel and ts are
      filled in at send time.
    thread: key of a posted message to reply under (its channel and thread_ts are filled in).
    """
    if key is not None:
        exists_already = session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key))
        # A post whose row the retention prune removed is still known by where it landed.
        if exists_already is not None or session.get(SlackMessage, key) is not None:
            return None
    row = OutboxMessage(
        key=key,
        method=method,
        channel=args.get("channel"),
        target_key=target,
        thread_key=thread,
        args=args,
        next_attempt_at=utcnow(),
    )
    if key is not None:
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            return None
    else:
        session.add(row)
    session.info["outbox_dirty"] = True
    return row


def revise_pending_post(session: Session, key: str, **args: Any) -> bool:
    """Replace the arguments of the post `key` if it is still waiting and no dispatcher holds
    it (so it goes out showing the latest state, with no chat.update after it). False when it
    is being sent or was sent: then update it with `chat.update` instead."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.key == key,
            OutboxMessage.method == "chat.postMessage",
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.lock_token.is_(None),
            OutboxMessage.attempt_started_at.is_(None),
        )
        .values(args=args)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _after_commit(session: Session) -> None:
    if session.info.pop("outbox_dirty", False):
        _wake_all()


def _after_soft_rollback(session: Session, _transaction: SessionTransaction) -> None:
    session.info.pop("outbox_dirty", None)


def install_session_hooks() -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_soft_rollback)


install_session_hooks()


def message_location(session: Session, key: str) -> SlackMessage | None:
    return session.get(SlackMessage, key)


def pending_count(session: Session) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PENDING)
        )
        or 0
    )


def post_key(row: OutboxMessage) -> str:
    """The key a post carries in its metadata: its outbox key, or its row id."""
    return row.key or f"outbox:{row.id}"


def superseded(session: Session, row: OutboxMessage) -> bool:
    """An update is moot when a newer update of the same message is queued or sent: the newest
    state wins even if an older update was held back by a retry. The same holds for the
    publishes of one person's App Home (keys `home:<user>:…`)."""
    if row.method == "views.publish" and row.key and row.key.startswith("home:"):
        prefix = row.key[: row.key.rindex(":") + 1]  # bot.keys.home_prefix: one person's Home
        newer_home = select(OutboxMessage.id).where(
            OutboxMessage.method == "views.publish",
            OutboxMessage.key.startswith(prefix, autoescape=True),
            OutboxMessage.id > row.id,
            OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENT)),
        )
        return session.scalar(newer_home.limit(1)) is not None
    if row.method != "chat.update" or not row.target_key:
        return False
    newer = select(OutboxMessage.id).where(
        OutboxMessage.target_key == row.target_key,
        OutboxMessage.method == "chat.update",
        OutboxMessage.id > row.id,
        OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENT)),
    )
    return session.scalar(newer.limit(1)) is not None


def fail_dependents(session: Session, key: str) -> None:
    """Fail the pending updates and replies that name the post `key`, which could not be sent."""
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            or_(OutboxMessage.target_key == key, OutboxMessage.thread_key == key),
        )
        .values(status=OutboxStatus.FAILED, last_error="the message it refers to could not be sent")
        .execution_options(synchronize_session=False)
    )


def resolved_args(session: Session, row: OutboxMessage) -> dict[str, Any] | None:
    """The row's call arguments with its target's or parent's channel and ts filled in; None
    while that message is unknown."""
    args = dict(row.args)
    if row.target_key:
        target = session.get(SlackMessage, row.target_key)
        if target is None:
            return None
        args["channel"], args["ts"] = target.channel, target.ts
    if row.thread_key:
        parent = session.get(SlackMessage, row.thread_key)
        if parent is None:
            return None
        args["channel"], args["thread_ts"] = parent.channel, parent.ts
    return args
