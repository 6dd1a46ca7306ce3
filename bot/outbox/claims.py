"""Claims and leases: which dispatcher may send which outbox rows, and for how long.

A dispatcher claims due rows by writing its token and a short lease (`locked_until`); a
heartbeat renews the leases of every row it still holds, so a live process keeps its rows and
a dead one's are free again within one lease. Right before each Slack call the claim is checked
and renewed in one UPDATE (`_hold`): a row whose claim was taken over is never sent by its
former holder. A dispatcher claims at most as many posts per channel as it can send within one
lease, and leaves alone a channel another live dispatcher is draining (order and spacing stay
intact). `Claims` is the part of `Dispatcher` that does this.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    bindparam,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, aliased

from bot.db import Database
from bot.models import OutboxMessage, SlackMessage, utcnow
from bot.states import OutboxStatus


def _due_rows() -> Select[OutboxMessage]:
    """Up to :batch pending rows due at :now, unclaimed or with a lapsed lease, whose target
    and thread (if any) are posted, in no channel of :busy (this dispatcher's workers are on
    them) nor in one another live dispatcher is draining (not :token's), oldest first."""
    now: BindParameter[Any] = bindparam("now")
    held = aliased(OutboxMessage, name="held")
    drained_elsewhere = exists().where(
        held.channel == OutboxMessage.channel,
        held.status == OutboxStatus.PENDING,
        held.locked_until >= now,
        held.lock_token != bindparam("token"),
    )
    return (
        select(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= now,
            _free(now),
            or_(
                OutboxMessage.target_key.is_(None),
                exists().where(SlackMessage.key == OutboxMessage.target_key),
            ),
            or_(
                OutboxMessage.thread_key.is_(None),
                exists().where(SlackMessage.key == OutboxMessage.thread_key),
            ),
            ~drained_elsewhere,
            or_(
                OutboxMessage.channel.is_(None),
                OutboxMessage.channel.not_in(bindparam("busy", expanding=True)),
            ),
        )
        .order_by(OutboxMessage.id)
        .limit(bindparam("batch"))
    )


def _free(now: BindParameter[Any]) -> ColumnElement[bool]:
    return or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now)


# Built once with bound parameters, not per claim: the dispatcher claims after every commit
# that queues a message, and building the statement and its cache key cost more than running it.
_DUE = _due_rows()
_DUE_POSTGRES = _DUE.with_for_update(skip_locked=True, of=OutboxMessage)
_HOLD = (
    update(OutboxMessage)
    .where(
        OutboxMessage.id == bindparam("row_id"),
        OutboxMessage.lock_token == bindparam("holder"),
        OutboxMessage.status == OutboxStatus.PENDING,
    )
    .values(
        locked_until=bindparam("until"),
        attempt_started_at=func.coalesce(
            bindparam("attempt_at", type_=OutboxMessage.attempt_started_at.type),
            OutboxMessage.attempt_started_at,
        ),
    )
    .execution_options(synchronize_session=False)
)
_TAKE = (
    update(OutboxMessage)
    .where(OutboxMessage.id.in_(bindparam("ids", expanding=True)), _free(bindparam("now")))
    .values(lock_token=bindparam("claim_token"), locked_until=bindparam("until"))
    .execution_options(synchronize_session=False)
)

log = logging.getLogger("bot.outbox")

POSTING_METHODS = {"chat.postMessage", "chat.postEphemeral"}


class Claims:
    """Claiming, holding, renewing and releasing outbox rows under one dispatcher's token."""

    db: Database
    token: str
    lease: timedelta
    batch: int
    channel_interval: float
    _lock: threading.Lock
    _busy: set[str]
    _held: set[int]  # ids claimed and not yet done with (sent, rescheduled, released, dropped)

    def renew_claims(self) -> int:
        """Extend the lease of every row this dispatcher still works on. Returns how many.
        A row a failed worker left behind is not renewed: its lease runs out and it is
        claimed again (by this dispatcher or another)."""
        with self._lock:
            held = list(self._held)
        if not held:
            return 0
        with self.db.session() as session:
            result = session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id.in_(held),
                    OutboxMessage.lock_token == self.token,
                    OutboxMessage.status == OutboxStatus.PENDING,
                )
                .values(locked_until=utcnow() + self.lease)
                .execution_options(synchronize_session=False)
            )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def per_channel_claim(self) -> int:
        """How many posts to one channel fit into one lease (at least one)."""
        if self.channel_interval <= 0:
            return self.batch
        return max(1, min(self.batch, int(self.lease.total_seconds() / self.channel_interval)))

    def _claim(self) -> list[OutboxMessage]:
        now = utcnow()
        with self._lock:
            busy = sorted(self._busy)
        due = _DUE_POSTGRES if self.db.is_postgres else _DUE
        # One transaction: the rows read are locked (FOR UPDATE on PostgreSQL, the one writer
        # on SQLite) until the UPDATE below has them under this dispatcher's token.
        with self.db.session() as session:
            found = session.scalars(
                due, {"now": now, "token": self.token, "busy": busy, "batch": self.batch}
            )
            rows = self._within_lease(list(found))
            session.expunge_all()
            if not rows:
                return []
            # Every row read is still free here: the same `now`, and the rows locked since.
            session.execute(
                _TAKE,
                {
                    "ids": [row.id for row in rows],
                    "now": now,
                    "claim_token": self.token,
                    "until": now + self.lease,
                },
            )
        with self._lock:
            self._held.update(row.id for row in rows)
        return rows

    def _done_with(self, rows: Sequence[OutboxMessage]) -> None:
        """Stop renewing `rows` (sent, rescheduled, released or left behind by a failure)."""
        with self._lock:
            self._held.difference_update(row.id for row in rows)

    def _within_lease(self, candidates: Sequence[OutboxMessage]) -> list[OutboxMessage]:
        """The candidates, keeping per channel only the posts that fit into one lease."""
        room = self.per_channel_claim()
        taken: dict[str, int] = defaultdict(int)
        rows = []
        for row in candidates:
            if row.channel and row.method in POSTING_METHODS:
                if taken[row.channel] >= room:
                    continue
                taken[row.channel] += 1
            rows.append(row)
        return rows

    def _hold(
        self,
        row: OutboxMessage,
        attempt_at: datetime | None = None,
        *,
        session: Session | None = None,
    ) -> bool:
        """Check that this dispatcher still holds `row` and renew its lease, in one UPDATE (in
        `session`'s transaction if given); with `attempt_at`, also record that an attempt which
        may reach Slack starts now."""
        params = {
            "row_id": row.id,
            "holder": self.token,
            "until": utcnow() + self.lease,
            "attempt_at": attempt_at,
        }
        if session is not None:
            return session.execute(_HOLD, params).rowcount == 1  # type: ignore[attr-defined]
        with self.db.session() as own:
            return own.execute(_HOLD, params).rowcount == 1  # type: ignore[attr-defined]

    def _release(self, rows: list[OutboxMessage]) -> None:
        self._done_with(rows)
        with self.db.session() as session:
            session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id.in_([r.id for r in rows]),
                    OutboxMessage.lock_token == self.token,
                    OutboxMessage.status == OutboxStatus.PENDING,
                )
                .values(lock_token=None, locked_until=None)
                .execution_options(synchronize_session=False)
            )

    def _release_all(self) -> None:
        with self._lock:
            self._held.clear()
        try:
            with self.db.session() as session:
                session.execute(
                    update(OutboxMessage)
                    .where(
                        OutboxMessage.lock_token == self.token,
                        OutboxMessage.status == OutboxStatus.PENDING,
                    )
                    .values(lock_token=None, locked_until=None)
                    .execution_options(synchronize_session=False)
                )
        except Exception:
            log.warning(
                "outbox: could not release claims at shutdown; they expire in %s", self.lease
            )
