"""Sending the weekly sync report exactly once per ISO week.

The report goes to SYNC_CHANNEL, or else to both SALES_CHANNEL and MARKETING_CHANNEL: in each,
the message and then its chart (an upload through Slack's external upload flow, queued in the
outbox like every message). A `SyncReport` row for the week is inserted in the same
transaction as those outbox rows, so a second process, a repeated tick, a restart or the CLI
finds it and sends nothing.

Due: SYNC_REPORT names a weekday and time in DEFAULT_TIMEZONE. From that moment, and for
CATCH_UP after it (so a restart shortly after still sends it), the report of the last full
ISO week before the current one is due until its row exists.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import outbox
from bot.config import Settings, SyncSchedule
from bot.keys import sync_chart_key, sync_report_key
from bot.messages import Message
from bot.models import SyncReport, utcnow
from bot.outbox.uploads import UPLOAD, upload_args
from bot.outcomes.scorecard import ScorecardApp
from bot.reports.content import build_weekly
from bot.reports.render import report_chart, report_message
from bot.reports.weeks import IsoWeek

log = logging.getLogger(__name__)

CATCH_UP = timedelta(days=1)


@dataclass
class Sent:
    week: IsoWeek
    channels: list[str] = field(default_factory=list)  # where it was queued (empty: skipped)
    keys: list[str] = field(default_factory=list)  # outbox keys of the queued calls
    already: bool = False  # the week's report had been sent before


def channels(settings: Settings) -> list[str]:
    """Where the report goes: SYNC_CHANNEL, else the sales and marketing channels."""
    if settings.sync_channel:
        return [settings.sync_channel]
    found = [c for c in (settings.sales_channel, settings.marketing_channel) if c]
    return list(dict.fromkeys(found))


def last_slot(schedule: SyncSchedule, now: datetime, zone: ZoneInfo) -> datetime:
    """The latest moment at or before `now` that SYNC_REPORT names (aware, in `zone`)."""
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    day = monday + timedelta(days=schedule.weekday)
    slot = datetime.combine(day, schedule.at, tzinfo=zone)
    if slot > local:
        slot = datetime.combine(day - timedelta(days=7), schedule.at, tzinfo=zone)
    return slot


def due_week(settings: Settings, now: datetime) -> IsoWeek | None:
    """The week whose report is due at `now` by the schedule (sent or not), if any."""
    if settings.sync_report is None:
        return None
    zone = ZoneInfo(settings.default_timezone)
    slot = last_slot(settings.sync_report, now, zone)
    if now - slot > CATCH_UP:
        return None
    return IsoWeek.before(slot, zone)


def already_sent(session: Session, week: IsoWeek) -> bool:
    return session.scalar(select(SyncReport.id).where(SyncReport.week == week.label)) is not None


def _record(session: Session, week: IsoWeek) -> bool:
    """Insert the week's row; False when it exists (another process sent the report)."""
    try:
        with session.begin_nested():
            session.add(SyncReport(week=week.label))
    except IntegrityError:
        return False
    return True


def queue_report(
    app: ScorecardApp,
    week: IsoWeek,
    message: Message,
    chart: bytes | None,
    *,
    preview: bool = False,
) -> Sent:
    """Record the week and queue the message (and chart) to each channel, in one transaction.
    A `preview` (the sandbox's button) is not recorded, so it neither counts as the week's
    report nor stops one; its keys carry the time."""
    sent = Sent(week)
    targets = channels(app.settings)
    suffix = f":preview:{utcnow().timestamp():.3f}" if preview else ""
    with app.db.session() as session:
        if not preview and not _record(session, week):
            sent.already = True
            return sent
        for channel in targets:
            key = sync_report_key(week.label, channel) + suffix
            outbox.enqueue(
                session, "chat.postMessage", key=key, channel=channel, **message.as_args()
            )
            sent.keys.append(key)
            if chart is not None:
                chart_key = sync_chart_key(week.label, channel) + suffix
                args = upload_args(
                    channel=channel,
                    filename=f"handoff-sync-{week.label}.png",
                    title=title_of(week),
                    content=chart,
                    comment=f"Chart for the weekly sync {week.label}",
                )
                outbox.enqueue(session, UPLOAD, key=chart_key, **args)
                sent.keys.append(chart_key)
            sent.channels.append(channel)
    return sent


def title_of(week: IsoWeek) -> str:
    return f"Weekly sync {week.label}"


def send_report(app: ScorecardApp, week: IsoWeek) -> Sent:
    """Build and queue `week`'s report unless it was sent already."""
    with app.db.read_session() as session:
        if already_sent(session, week):
            return Sent(week, already=True)
    content = build_weekly(app, week)
    return queue_report(app, week, report_message(content), report_chart(content))


def send_preview(app: ScorecardApp, week: IsoWeek) -> Sent:
    """`week`'s report (so far) posted now, unrecorded: the sandbox's "Weekly sync" button."""
    content = build_weekly(app, week)
    return queue_report(app, week, report_message(content), report_chart(content), preview=True)


def send_due_report(app: ScorecardApp, *, now: datetime | None = None) -> Sent | None:
    """The scheduler's tick: the due week's report, once."""
    week = due_week(app.settings, now or utcnow())
    if week is None or not channels(app.settings):
        return None
    sent = send_report(app, week)
    if sent.channels:
        log.info("weekly sync report %s queued to %d channel(s)", week.label, len(sent.channels))
    return sent


__all__ = [
    "CATCH_UP",
    "Sent",
    "channels",
    "due_week",
    "last_slot",
    "queue_report",
    "send_due_report",
    "send_preview",
    "send_report",
]
