"""Sending digests exactly once per manager and local date.

A digest is due for a manager when, in their own time zone, today is a working day, it is
past DIGEST_TIME and still inside the working day (until the end of WORKING_HOURS; until
midnight with `always` or when DIGEST_TIME is after the working day's end), and no `Digest`
row exists for (manager, local date). The row is inserted in the same transaction as the
outbox message, so a second process, a repeated tick or a restart finds it and sends nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import outbox
from bot.config import Settings
from bot.digest.build import DigestContent, build_digests, local_date, render_digest
from bot.digest.parts import DigestApp
from bot.digest.zones import zones
from bot.keys import digest_key
from bot.models import Digest, Person, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Due:
    manager_id: str
    zone: ZoneInfo
    local_date: date


@dataclass
class SendReport:
    sent: list[str] = field(default_factory=list)  # a message was queued
    quiet: list[str] = field(default_factory=list)  # recorded, nothing to say (no all-clear)
    skipped: list[str] = field(default_factory=list)  # already sent for that date
    keys: list[str] = field(default_factory=list)  # outbox keys of the queued messages


def is_digest_day(settings: Settings, day: date) -> bool:
    hours = settings.working_hours
    return hours.always or day.weekday() in hours.days


def in_send_window(settings: Settings, local_now: datetime) -> bool:
    """Past DIGEST_TIME and not yet past the end of the working day (wall-clock, local)."""
    wall = local_now.time().replace(tzinfo=None)
    if wall < settings.digest_time:
        return False
    hours = settings.working_hours
    if hours.always or hours.end <= settings.digest_time:
        return True
    return wall < hours.end


def manager_ids(session: Session) -> list[str]:
    return list(
        session.scalars(
            select(Person.slack_id).where(Person.role == "manager").order_by(Person.slack_id)
        )
    )


def already_sent(session: Session, dues: list[Due]) -> set[tuple[str, date]]:
    if not dues:
        return set()
    wanted = {(d.manager_id, d.local_date) for d in dues}
    rows = session.execute(
        select(Digest.manager_id, Digest.local_date).where(
            Digest.manager_id.in_({d.manager_id for d in dues}),
            Digest.local_date.in_({d.local_date for d in dues}),
        )
    )
    return {(manager, day) for manager, day in rows} & wanted


def due_digests(handoff: DigestApp, *, now: datetime, zone: str | None = None) -> list[Due]:
    """Managers (optionally only those in `zone`) whose digest is due at `now` and unsent."""
    settings = handoff.settings
    with handoff.db.session() as session:
        managers = manager_ids(session)
    zone_map = zones(handoff.directory, managers)
    candidates = []
    for manager in managers:
        tz = zone_map[manager]
        local_now = now.astimezone(tz)
        if zone is not None and tz.key != zone:
            continue
        if is_digest_day(settings, local_now.date()) and in_send_window(settings, local_now):
            candidates.append(Due(manager, tz, local_now.date()))
    with handoff.db.session() as session:
        sent = already_sent(session, candidates)
    return [d for d in candidates if (d.manager_id, d.local_date) not in sent]


def _record(session: Session, manager_id: str, day: date) -> bool:
    """Insert the (manager, date) row; False when it exists (another process sent it)."""
    try:
        with session.begin_nested():
            session.add(Digest(manager_id=manager_id, local_date=day))
    except IntegrityError:
        return False
    return True


def send_digests(
    handoff: DigestApp,
    contents: list[DigestContent],
    *,
    again: bool = False,
) -> SendReport:
    """Queue each digest once per (manager, local date); `again` sends another copy anyway."""
    report = SendReport()
    for content in contents:
        message = render_digest(content, handoff.settings)
        manager, day = content.manager_id, content.local_date
        with handoff.db.session() as session:
            first = _record(session, manager, day)
            if not first and not again:
                report.skipped.append(manager)
                continue
            if message is None:
                report.quiet.append(manager)
                continue
            key = digest_key(manager, day)
            if not first:
                key = f"{key}:again:{content.now.timestamp():.0f}"
            if outbox.enqueue(
                session, "chat.postMessage", key=key, channel=manager, **message.as_args()
            ):
                report.sent.append(manager)
                report.keys.append(key)
            else:
                report.skipped.append(manager)
    return report


def send_due_digests(
    handoff: DigestApp, *, now: datetime | None = None, zone: str | None = None
) -> SendReport:
    """The scheduler's job: every digest due at `now` (in `zone`, or anywhere), once each."""
    now = now or utcnow()
    dues = due_digests(handoff, now=now, zone=zone)
    if not dues:
        return SendReport()
    contents = build_digests(handoff, [d.manager_id for d in dues], now=now)
    report = send_digests(handoff, contents)
    if report.sent or report.quiet:
        log.info("digests: %d sent, %d with nothing to say", len(report.sent), len(report.quiet))
    return report


__all__ = [
    "Due",
    "SendReport",
    "due_digests",
    "in_send_window",
    "is_digest_day",
    "local_date",
    "send_digests",
    "send_due_digests",
]
