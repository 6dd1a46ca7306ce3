"""Delivery and operations: Slack events, the outbox, Homes, lead sources, jobs, routing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, utcnow


class SlackEvent(Base):
    """Events API deliveries already handled (Slack retries up to 3 times)."""

    __tablename__ = "slack_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxMessage(Base):
    """A Web API call Handoff owes Slack, written in the same transaction as its cause."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "status", "next_attempt_at"),
        # An update's newer siblings (`superseded`) and a post's dependents, without a scan.
        Index("ix_outbox_target", "target_key"),
        Index("ix_outbox_created_at", "created_at"),  # the retention prune (bot.retention)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    method: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(32))
    target_key: Mapped[str | None] = mapped_column(String(200))
    thread_key: Mapped[str | None] = mapped_column(String(200))
    args: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lock_token: Mapped[str | None] = mapped_column(String(64))
    locked_until: Mapped[datetime | None]
    # Start of the earliest chat.postMessage attempt that may have reached Slack without
    # Handoff learning so (a crash or a lost answer): a re-send looks for it first.
    attempt_started_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class SlackMessage(Base):
    """Where a message Handoff posted landed, so it can be updated or replied to later."""

    __tablename__ = "slack_messages"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    posted_at: Mapped[datetime] = mapped_column(default=utcnow)


class HomeView(Base):
    """A person's App Home: when Handoff last published it, and when a refresh is owed
    (`due_at`, set when something it shows changed; debounced, see `bot.home.refresh`)."""

    __tablename__ = "home_views"
    __table_args__ = (
        Index(
            "ix_home_views_due",
            "due_at",
            postgresql_where=text("due_at IS NOT NULL"),
            sqlite_where=text("due_at IS NOT NULL"),
        ),
    )

    slack_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    published_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]


class SourceRequest(Base):
    """One request to a lead source (`POST /leads/<name>`): when, the answer and its counts, and
    the error's text (never the body or a lead's personal data). `sources log` shows the last
    100 of a source; retention prunes by `at`."""

    __tablename__ = "source_requests"
    __table_args__ = (Index("ix_source_requests_source_at", "source", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    status: Mapped[int] = mapped_column(Integer)
    received: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(300))


class SourceSeen(Base):
    """What a source already delivered: a HubSpot `eventId` or a Salesforce notification `Id`
    (redeliveries are skipped), and the newest version of a CRM record seen (`modified_at`), so
    an older copy arriving late never overwrites a newer one."""

    __tablename__ = "source_seen"
    __table_args__ = (UniqueConstraint("source", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(250))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    modified_at: Mapped[datetime | None]


class JobRun(Base):
    """A periodic job's run claimed by one process: the first to insert (job, slot) runs it,
    so a job scheduled in every process runs once per slot across them (bot.retention)."""

    __tablename__ = "job_runs"

    job: Mapped[str] = mapped_column(String(64), primary_key=True)
    slot: Mapped[str] = mapped_column(String(32), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)


class RoutingTurn(Base):
    """Round robin's memory: each rep's credit in a pool (smooth weighted round robin). The
    pool's row with `slack_id` "" is the lock two processes take before choosing."""

    __tablename__ = "routing_turns"

    pool: Mapped[str] = mapped_column(String(100), primary_key=True)
    slack_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    credit: Mapped[int] = mapped_column(Integer, default=0)


class RoutingDecision(Base):
    """How a lead's owner was chosen (or why nobody was): shown by `/leads why`."""

    __tablename__ = "routing_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    pool: Mapped[str] = mapped_column(String(200))
    chosen: Mapped[str | None] = mapped_column(String(32))
    # [{"slack_id": ..., "skipped": reason or None}], in the order considered.
    considered: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Set when Handoff moved the lead on from this owner, who left it untouched for
    # REASSIGN_AFTER (None: the lead had no owner).
    reassigned_from: Mapped[str | None] = mapped_column(String(32))
