"""Campaigns, leads and what happens to them: stages, feedback, pings, digests, reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, utcnow


class Campaign(Base):
    """A marketing campaign brief; leads carry its `code` (e.g. a utm_campaign value)."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(150))
    audience: Mapped[str | None] = mapped_column(Text)
    offer: Mapped[str | None] = mapped_column(Text)
    talking_points: Mapped[str | None] = mapped_column(Text)
    landing_url: Mapped[str | None] = mapped_column(String(2000))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    hot_score: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    ended_at: Mapped[datetime | None]


class CampaignRead(Base):
    """One "Got it" per person per campaign announcement."""

    __tablename__ = "campaign_reads"
    __table_args__ = (UniqueConstraint("campaign_id", "slack_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    slack_id: Mapped[str] = mapped_column(String(32))
    read_at: Mapped[datetime] = mapped_column(default=utcnow)


class CampaignRep(Base):
    """A rep in a campaign's round-robin pool (the form's "Reps"); a campaign with none routes
    its leads among the whole team."""

    __tablename__ = "campaign_reps"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    slack_id: Mapped[str] = mapped_column(String(32), primary_key=True)


class Lead(Base):
    """An inbound lead pushed by a CRM or form tool, identified by the source's own id."""

    __tablename__ = "leads"
    __table_args__ = (
        # The sweep looks only at leads with something due: a partial index keeps it small.
        Index(
            "ix_leads_due",
            "next_due_at",
            postgresql_where=text("next_due_at IS NOT NULL"),
            sqlite_where=text("next_due_at IS NOT NULL"),
        ),
        Index("ix_leads_owner_open", "owner_id", "status"),
        # Scorecards, the weekly report and the export read leads by arrival time.
        Index("ix_leads_received", "received_at"),
        # Leads whose owner_email is being looked up in Slack, and alerts waiting for it.
        Index(
            "ix_leads_owner_pending",
            "owner_email",
            postgresql_where=text("owner_pending"),
            sqlite_where=text("owner_pending"),
        ),
        Index(
            "ix_leads_owner_wait",
            "owner_wait_until",
            postgresql_where=text("owner_wait_until IS NOT NULL"),
            sqlite_where=text("owner_wait_until IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(320))
    company: Mapped[str | None] = mapped_column(String(300))
    title: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(100))
    campaign_code: Mapped[str | None] = mapped_column(String(80), index=True)
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    score: Mapped[int | None] = mapped_column(Integer)
    hot: Mapped[bool] = mapped_column(Boolean, default=False)
    hot_flag: Mapped[bool | None] = mapped_column(Boolean)  # the source's own `hot`, if sent
    owner_id: Mapped[str | None] = mapped_column(String(32))
    owner_email: Mapped[str | None] = mapped_column(String(320))
    # `owner_email` is neither on the roster nor in the lookup cache: Slack is being asked
    # (see bot.leads.owners). Only ever true while `owner_id` is None.
    owner_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A hot lead's alert waits for that answer until this time, then goes to SALES_CHANNEL.
    owner_wait_until: Mapped[datetime | None]
    source: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Where the lead stands and who touched it.
    status: Mapped[str] = mapped_column(String(16), default="new")
    status_by: Mapped[str | None] = mapped_column(String(32))
    status_at: Mapped[datetime | None]
    first_touched_at: Mapped[datetime | None]
    snoozed_until: Mapped[datetime | None]
    # The ladder: the clock starts at `clock_started_at`; `next_due_at` is the next step's time.
    clock_started_at: Mapped[datetime | None]
    ladder_step: Mapped[int] = mapped_column(Integer, default=0)
    # Which run of the clock this is (a snooze that ends or a reassignment starts a new one).
    ladder_cycle: Mapped[int] = mapped_column(Integer, default=0)
    next_due_at: Mapped[datetime | None]
    alerted_at: Mapped[datetime | None]
    # `python app.py leads forget`: the personal data is gone; figures (times, campaign,
    # stage, owner) stay for the scorecards (see bot.erasure).
    erased_at: Mapped[datetime | None]
    # How the current owner got the lead: when (their alert's "waiting" counts from here),
    # how (`AssignedHow`), by whom (None: the CRM or Handoff itself) and from whom.
    assigned_at: Mapped[datetime | None]
    assigned_how: Mapped[str | None] = mapped_column(String(16))
    assigned_by: Mapped[str | None] = mapped_column(String(32))
    assigned_from: Mapped[str | None] = mapped_column(String(32))
    # How many times Handoff moved the lead on because its owner left it untouched for
    # REASSIGN_AFTER (at most MAX_REASSIGNS), and that working time at the last move, in
    # seconds (the new owner's alert says "reassigned after 1h 30m untouched").
    auto_reassigns: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    untouched_seconds: Mapped[int | None] = mapped_column(Integer)
    # How far the sale has gone (`bot.states.LeadStage`) and since when; history in
    # `LeadStageChange`. A lead's arrival is its implicit `new`.
    stage: Mapped[str] = mapped_column(String(16), default="new", server_default="new")
    stage_at: Mapped[datetime | None]


class LeadStageChange(Base):
    """One move of a lead to a stage: when, and who (a Slack user) or what (a CRM) made it."""

    __tablename__ = "lead_stage_changes"
    __table_args__ = (Index("ix_lead_stage_changes_lead", "lead_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(16))
    previous: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by_kind: Mapped[str] = mapped_column(String(8))
    by: Mapped[str | None] = mapped_column(String(200))


class Feedback(Base):
    """One line of customer feedback from a rep, tied to a campaign when known."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    campaign_inferred: Mapped[bool] = mapped_column(Boolean, default=False)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"))
    author_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16), default="rep")
    text: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reply_text: Mapped[str | None] = mapped_column(Text)
    replied_by: Mapped[str | None] = mapped_column(String(32))
    replied_at: Mapped[datetime | None]


class Ping(Base):
    """A reminder or escalation sent about a lead (for the noise budget and exactly-once)."""

    __tablename__ = "pings"
    __table_args__ = (
        UniqueConstraint("lead_id", "step", "cycle"),
        Index("ix_pings_recipient_sent", "recipient_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    step: Mapped[int] = mapped_column(Integer)
    cycle: Mapped[int] = mapped_column(Integer, default=0)
    recipient_id: Mapped[str] = mapped_column(String(32))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A reminder past the noise budget, listed in the hourly summary instead of sent alone.
    folded: Mapped[bool] = mapped_column(Boolean, default=False)


class BurstAlert(Base):
    """A lead that was news for someone: a new hot-lead alert to its owner (`kind` "alert") or
    an escalation to a manager or channel ("escalation"). Counted for ALERT_BURST folding
    (`bot.leads.folding`); `fold_key` names the one message it was listed in instead of being
    sent on its own."""

    __tablename__ = "burst_alerts"
    __table_args__ = (Index("ix_burst_alerts_recipient", "recipient_id", "kind", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    recipient_id: Mapped[str] = mapped_column(String(32))
    cycle: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    fold_key: Mapped[str | None] = mapped_column(String(255), index=True)


class Digest(Base):
    """A manager's daily digest, at most one per manager per local date."""

    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("manager_id", "local_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    manager_id: Mapped[str] = mapped_column(String(32))
    local_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SyncReport(Base):
    """The weekly sales and marketing sync report: at most one per ISO week ("2026-W47"),
    inserted in the same transaction as its messages (`bot.reports.weekly`)."""

    __tablename__ = "sync_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[str] = mapped_column(String(10), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
