"""ALERT_BURST folding: a burst must not bury a rep.

Someone who gets more than `ALERT_BURST` (default 5) new hot-lead alerts within a minute gets
the rest folded into one message, "12 more hot leads for you", that lists each lead with its
campaign and an "I'm on it" button and is updated in place as more arrive. Managers' (and the
sales channel's) escalations fold the same way, with a Nudge button per lead.

Folding changes only how the news is shown: each lead keeps its own ladder (its reminder goes
to the rep's DM when it has no alert of its own) and its own buttons. Every lead that was news
for someone is a `BurstAlert` row, written in the caller's transaction with the message it
causes; counting those rows over the last minute decides. A fold stays open while the burst
goes on: the next folded lead joins the newest fold that gained a lead within the minute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import distinct, event, func, select, text
from sqlalchemy.orm import Session, SessionTransaction

from bot import outbox
from bot.db import transaction_memo
from bot.durations import format_duration
from bot.ids import LadderIds, LeadIds
from bot.keys import fold_key, nudge_key
from bot.lookups import campaign_of
from bot.messages import Message, render_message
from bot.models import BurstAlert, Campaign, Lead, OutboxMessage, utcnow
from bot.states import LeadStatus

ALERT, ESCALATION = "alert", "escalation"
WINDOW = timedelta(minutes=1)
# Rows listed in one fold message: one block each, plus the header and two context blocks,
# within Block Kit's 50 blocks per message. The rest are counted and left to `/leads`.
MAX_LISTED = 45
_TO_SHOW = "lead_folds_to_show"  # session.info: fold keys to post or update at commit


def _serialize(session: Session, recipient: str) -> None:
    """One transaction at a time counts and folds for a recipient (SQLite has one writer
    anyway; on PostgreSQL a transaction-scoped advisory lock)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": f"fold:{recipient}"}
        )


def admit(
    session: Session,
    kind: str,
    recipient: str,
    lead: Lead,
    *,
    burst: int,
    now: datetime,
    cycle: int = 0,
) -> str | None:
    """Record that `lead` is news for `recipient`. None: send it on its own; otherwise the key
    of the fold message it is listed in (call `show` with it). With folding off (`burst` 0)
    nothing is counted: every lead goes on its own.

    A batch that admits many leads at the same `now` counts each recipient's window once: the
    transaction holds the recipient's lock from then on, so what it adds is all that changes."""
    if not burst:
        return None
    counted = transaction_memo(session, _COUNTED)
    window = counted.get((kind, recipient, now))
    recent = (
        BurstAlert.recipient_id == recipient,
        BurstAlert.kind == kind,
        BurstAlert.sent_at > now - WINDOW,
        BurstAlert.sent_at <= now,
    )
    if window is None:
        _serialize(session, recipient)
        count = session.scalar(select(func.count()).select_from(BurstAlert).where(*recent)) or 0
        window = counted[(kind, recipient, now)] = _Window(count)
    key = None
    if window.count >= burst:
        if window.fold_key is None:
            window.fold_key = session.scalar(
                select(BurstAlert.fold_key)
                .where(*recent, BurstAlert.fold_key.is_not(None))
                .order_by(BurstAlert.sent_at.desc(), BurstAlert.id.desc())
                .limit(1)
            ) or fold_key(kind, recipient, lead.id)
        key = window.fold_key
    session.add(
        BurstAlert(
            lead_id=lead.id,
            kind=kind,
            recipient_id=recipient,
            cycle=cycle,
            sent_at=now,
            fold_key=key,
        )
    )
    window.count += 1
    return key


@dataclass
class _Window:
    """One recipient's last minute as this transaction has counted it (`admit`)."""

    count: int
    fold_key: str | None = None  # the fold the next folded lead joins, once looked up


_COUNTED = "fold_windows"  # transaction memo: (kind, recipient, now) -> _Window


@dataclass
class FoldedLead:
    """One row of a fold message: the lead, its campaign and what the recipient can do."""

    lead: Lead
    campaign: Campaign | None
    cycle: int
    waited: str
    button: str | None  # "ack", "nudge" or None (nothing left to do from here)
    state: str  # "new", "claimed", "snoozed", "contacted", "not_fit", "moved"
    value: str


def _row(session: Session, entry: BurstAlert, lead: Lead, now: datetime) -> FoldedLead:
    waited = format_duration(now - (lead.received_at or now))
    state = str(lead.status)
    if entry.kind == ALERT and lead.owner_id != entry.recipient_id:
        state = "moved"
    button: str | None = None
    value = str(lead.id)
    if entry.kind == ALERT and state in (LeadStatus.NEW, LeadStatus.SNOOZED):
        button = "ack"
    elif entry.kind == ESCALATION and state in (LeadStatus.NEW, LeadStatus.SNOOZED):
        value = f"{lead.id}:{entry.cycle}"
        nudged = session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.key == nudge_key(lead.id, entry.cycle))
        )
        button = None if nudged is not None else "nudge"
        if nudged is not None:
            state = "nudged"
    return FoldedLead(lead, campaign_of(session, lead), entry.cycle, waited, button, state, value)


def fold_message(session: Session, key: str, *, now: datetime) -> tuple[str, Message] | None:
    """The fold message `key` as it stands now, and who it goes to; None for an unknown key.
    Loads only the leads it lists (a long burst costs the same to show as a short one)."""
    first = session.scalar(
        select(BurstAlert).where(BurstAlert.fold_key == key).order_by(BurstAlert.id).limit(1)
    )
    if first is None:
        return None
    count = (
        session.scalar(
            select(func.count(distinct(BurstAlert.lead_id))).where(BurstAlert.fold_key == key)
        )
        or 0
    )
    listed = session.execute(
        select(BurstAlert, Lead)
        .join(Lead, Lead.id == BurstAlert.lead_id)
        .where(BurstAlert.fold_key == key)
        .order_by(BurstAlert.id)
        .limit(MAX_LISTED * 2)  # room for a lead listed twice (it came back in the burst)
    )
    seen: set[int] = set()
    rows: list[FoldedLead] = []
    for entry, lead in listed:
        if lead.id not in seen and len(rows) < MAX_LISTED:
            seen.add(lead.id)
            rows.append(_row(session, entry, lead, now))
    in_channel = not first.recipient_id.startswith(("U", "W"))
    template = "lead_fold" if first.kind == ALERT else "lead_escalation_fold"
    context = fold_context(rows, in_channel=in_channel, count=count)
    return first.recipient_id, render_message(template, **context)


def fold_context(
    rows: list[FoldedLead], *, in_channel: bool, count: int | None = None
) -> dict[str, Any]:
    """What `templates/lead_fold.json.j2` and `lead_escalation_fold.json.j2` are rendered
    with: `rows` listed (at most MAX_LISTED), of `count` leads in the fold."""
    count = len(rows) if count is None else count
    return {
        "count": count,
        "rows": rows[:MAX_LISTED],
        "unlisted": max(0, count - min(len(rows), MAX_LISTED)),
        "row_block": LeadIds.FOLD_ROW,
        "ack_id": LeadIds.ACK,
        "nudge_id": LadderIds.NUDGE,
        "in_channel": in_channel,
    }


def show(session: Session, key: str) -> None:
    """Post the fold message `key`, or update it in place (text and blocks) if it was posted,
    when `session` commits: once per transaction however many leads joined it meanwhile."""
    session.info.setdefault(_TO_SHOW, set()).add(key)


def _show_now(session: Session, key: str) -> None:
    """Queue the post or update that shows fold `key`. Its message is rendered when it is
    sent (a fold changes with every lead that joins it, and Slack takes about one call a
    second): one post or update still waiting shows this transaction's leads too."""
    if outbox.render_waiting(session, key):
        return
    recipient = session.scalar(
        select(BurstAlert.recipient_id).where(BurstAlert.fold_key == key).limit(1)
    )
    if recipient is None:
        return
    post: dict[str, Any] = {"channel": recipient, "unfurl_links": False, "unfurl_media": False}
    if outbox.enqueue_rendered(
        session, "chat.postMessage", renderer=RENDERER, subject=key, key=key, **post
    ):
        return
    outbox.enqueue_rendered(
        session, "chat.update", renderer=RENDERER, subject=key, target=key, channel=recipient
    )


def _render(session: Session, key: str) -> dict[str, Any] | None:
    """The fold message `key` as it stands when it is sent (the outbox's renderer)."""
    found = fold_message(session, key, now=utcnow())
    return None if found is None else found[1].as_args()


RENDERER = "lead_fold"
outbox.renders(RENDERER, _render)


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint (outbox keys): wait for the real commit
        return
    for key in sorted(session.info.pop(_TO_SHOW, None) or ()):
        _show_now(session, key)


def _after_soft_rollback(session: Session, _transaction: SessionTransaction) -> None:
    session.info.pop(_TO_SHOW, None)


if not event.contains(Session, "before_commit", _before_commit):
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_soft_rollback", _after_soft_rollback)


def refresh(session: Session, lead: Lead) -> None:
    """Bring every fold message that lists `lead` up to date (its state, its button)."""
    keys = session.scalars(
        select(BurstAlert.fold_key)
        .where(BurstAlert.lead_id == lead.id, BurstAlert.fold_key.is_not(None))
        .distinct()
    )
    for key in list(keys):
        if key is not None:
            show(session, key)
