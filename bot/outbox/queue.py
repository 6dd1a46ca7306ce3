"""Enqueueing: outbox rows and their keys, and the commit hook that wakes the dispatchers.

A row is added in the caller's transaction; after that transaction commits, every registered
waiter (each running `Dispatcher`) is woken. Also the small row queries the dispatcher shares:
the key a post carries, whether an update is moot, and failing the rows that depend on a post.

A row may have its message rendered when it is sent rather than when it is enqueued
(`enqueue_rendered`): a message that changes many times a second (a folded burst) is then
rendered once per call Slack actually gets, and one such row waiting untouched is enough for
every change meanwhile (`render_waiting`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import CompoundSelect, and_, bindparam, event, func, or_, select, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction

from bot.db import transaction_memo
from bot.models import OutboxMessage, SlackMessage, utcnow
from bot.states import OutboxStatus

log = logging.getLogger("bot.outbox")

_waiters: list[Callable[[], None]] = []

# The args key of a row rendered when sent: [renderer name, subject]. The renderer answers
# with the message's arguments (text, blocks) as they stand then, or None: nothing to show.
RENDER = "render_at_send"
Renderer = Callable[[Session, str], dict[str, Any] | None]
_renderers: dict[str, Renderer] = {}

_FRESH = "outbox_fresh_keys"  # transaction memo: keys `reserve_keys` found free


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
    fresh = key is not None and transaction_memo(session, _FRESH).pop(key, False)
    if key is not None and not fresh and is_queued(session, key):
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
    if key is not None and not fresh:  # another transaction may be queuing the same key
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            return None
    else:
        session.add(row)
    session.info["outbox_dirty"] = True
    return row


def is_queued(session: Session, key: str) -> bool:
    """Whether a message with this key was ever queued; a post whose row the retention prune
    removed is still known by where it landed."""
    if key in transaction_memo(session, _FRESH):
        return False
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None:
        return True
    return session.get(SlackMessage, key) is not None


# Which of :keys are queued or have landed: one statement, built once (every batch of leads
# asks it for its alerts).
_TAKEN_KEYS: CompoundSelect[str] = union_all(
    select(OutboxMessage.key).where(OutboxMessage.key.in_(bindparam("keys", expanding=True))),
    select(SlackMessage.key).where(SlackMessage.key.in_(bindparam("keys", expanding=True))),
)


def reserve_keys(session: Session, keys: Iterable[str]) -> None:
    """For a batch: `keys` name messages about what this transaction created (a new lead's
    alert), which no other transaction can queue before this one commits. Those neither
    queued nor landed (two queries for all of them) are remembered until the transaction
    ends: `is_queued` answers for them, and `enqueue` adds them with no look-up and no
    savepoint."""
    wanted = list(dict.fromkeys(keys))
    memo = transaction_memo(session, _FRESH)
    for start in range(0, len(wanted), 400):
        chunk = wanted[start : start + 400]
        taken = set(session.scalars(_TAKEN_KEYS, {"keys": chunk}))
        memo.update((key, True) for key in chunk if key not in taken)


def renders(name: str, renderer: Renderer) -> None:
    """Register `renderer` as how rows enqueued with `enqueue_rendered(renderer=name, …)` get
    their message when they are sent."""
    _renderers[name] = renderer


def enqueue_rendered(
    session: Session,
    method: str,
    *,
    renderer: str,
    subject: str,
    key: str | None = None,
    target: str | None = None,
    **args: Any,
) -> OutboxMessage | None:
    """`enqueue`, with the message (text, blocks) left to the renderer registered as
    `renderer`, called with `subject` when the row is sent: it shows the state of then."""
    later: dict[str, Any] = {**args, RENDER: [renderer, subject]}
    return enqueue(session, method, key=key, target=target, **later)


def render_waiting(session: Session, key: str) -> bool:
    """Whether a post `key`, or an update of it, rendered when sent, waits untouched: no
    dispatcher holds it and no attempt was made. Then it will show whatever this transaction
    changes, so nothing more needs to be queued for that.

    The row is locked until the caller commits (PostgreSQL), so a dispatcher cannot claim and
    render it in between; on SQLite the caller's open write transaction keeps the claim waiting."""
    waiting = session.execute(
        select(OutboxMessage.id, OutboxMessage.args)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.lock_token.is_(None),
            OutboxMessage.attempt_started_at.is_(None),
            or_(
                and_(OutboxMessage.key == key, OutboxMessage.method == "chat.postMessage"),
                and_(OutboxMessage.target_key == key, OutboxMessage.method == "chat.update"),
            ),
        )
        .with_for_update()
    ).all()
    if any(isinstance(args, dict) and RENDER in args for _id, args in waiting):
        session.info["outbox_dirty"] = True  # a claim that skipped the locked row tries again
        return True
    return False


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


def rendered_args(session: Session, row: OutboxMessage) -> dict[str, Any] | None:
    """The row's call arguments, with the message rendered now if it is rendered when sent;
    None when its renderer has nothing to show (the row is moot)."""
    args = dict(row.args)
    later = args.pop(RENDER, None)
    if later is None:
        return args
    name, subject = later
    renderer = _renderers.get(name)
    if renderer is None:
        log.error("outbox #%s: no renderer %r is registered; not sent", row.id, name)
        return None
    message = renderer(session, subject)
    return None if message is None else {**args, **message}


def resolved_args(
    session: Session, row: OutboxMessage, args: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """The row's call arguments (`args`, else its stored ones) with its target's or parent's
    channel and ts filled in; None while that message is unknown."""
    args = dict(row.args if args is None else args)
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
