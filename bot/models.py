"""The database schema (SQLAlchemy 2.x typed models).

Times are stored as UTC and always come back timezone-aware, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC; refuses naive input so no local time slips in."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[str]: JSON}


ROLES = ("rep", "manager", "marketer", "admin")


class Person(Base):
    """A roster member: who they are in Slack, their role and their manager."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_id: Mapped[str] = mapped_column(String(32), unique=True)
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    tz_override: Mapped[str | None] = mapped_column(String(64))
    # Their id in the CRM (a HubSpot owner id, a Salesforce user id): lead owners match on it.
    crm_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The roster's `weight`: a rep's share of round-robin leads (None: 1); a manager with a
    # weight of 1 or more takes leads too (None: 0). See bot.permissions.takes_leads.
    weight: Mapped[int | None] = mapped_column(Integer)
    # `/leads away`: not routed leads from `away_since` until `away_until` (None: until
    # `/leads back`). Both None: not away.
    away_since: Mapped[datetime | None]
    away_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SlackUser(Base):
    """What Slack told us about a user (users.info / users.lookupByEmail), cached."""

    __tablename__ = "slack_users"

    slack_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    tz: Mapped[str | None] = mapped_column(String(64))
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)


class EmailLookup(Base):
    """users.lookupByEmail answers, including misses, so a busy webhook does not hammer Slack."""

    __tablename__ = "email_lookups"

    email: Mapped[str] = mapped_column(String(320), primary_key=True)
    slack_id: Mapped[str | None] = mapped_column(String(32))
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)


class OwnerLookup(Base):
    """A users.lookupByEmail Handoff still owes a lead's owner_email: one row per address,
    retried with backoff until Slack answers (see bot.leads.owners)."""

    __tablename__ = "owner_lookups"

    email: Mapped[str] = mapped_column(String(320), primary_key=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Set while one process has the call in flight; another takes the row after it passes.
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(64))


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
