"""People on the roster and what Slack says about them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, utcnow


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
