"""The admin's board: the outbox, each lead source's last request and refusals (the request
log of `bot.sources`), roster problems and the settings that shape the ladder.

Figures are as of the moment the Home was published (opening the Home publishes it afresh).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select, tuple_
from sqlalchemy.orm import Session, aliased

from bot.config import ConfigError, Settings
from bot.durations import format_duration
from bot.models import OutboxMessage, Person, SlackUser, SourceRequest
from bot.sources.config import load_sources
from bot.sources.log import activity
from bot.states import OutboxStatus
from bot.workhours import DAYS, WorkingHours

NAMED = 8  # people named per roster problem, then "and N more"


@dataclass
class Problem:
    label: str
    people: list[str]  # Slack ids, the first few
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.people)


@dataclass
class SourceHealth:
    """A lead source (`POST /leads/<name>`): its last request, and its refusals."""

    name: str
    display: str
    last_at: datetime | None  # the last request, whatever its answer
    last_status: int | None
    refused_today: int  # answered 4xx/5xx in the last 24 hours
    last_refused_at: datetime | None
    last_refusal: str | None


@dataclass
class Health:
    pending: int
    failed: int
    oldest_pending: str | None
    last_error: str | None
    last_error_method: str | None
    last_error_at: datetime | None
    problems: list[Problem] = field(default_factory=list)
    settings: list[tuple[str, str]] = field(default_factory=list)
    sources: list[SourceHealth] = field(default_factory=list)
    routing: list[tuple[str, str]] = field(default_factory=list)


def _configured(settings: Settings) -> dict[str, str]:
    """Source name -> display name, from SOURCES_FILE (checked at startup; a file changed
    since then and now broken shows only the sources that have a log)."""
    try:
        return {name: src.display for name, src in load_sources(settings.sources_file).items()}
    except (ConfigError, OSError):
        return {}


def source_health(session: Session, settings: Settings, now: datetime) -> list[SourceHealth]:
    names = _configured(settings)
    for (logged,) in session.execute(select(SourceRequest.source).distinct()):
        names.setdefault(logged, logged)
    if not names:
        return []
    last = {
        row.source: row
        for row in session.execute(
            select(SourceRequest.source, SourceRequest.at, SourceRequest.status).where(
                tuple_(SourceRequest.source, SourceRequest.at).in_(
                    select(SourceRequest.source, func.max(SourceRequest.at)).group_by(
                        SourceRequest.source
                    )
                )
            )
        )
    }
    refused = {
        str(source): int(count)
        for source, count in session.execute(
            select(SourceRequest.source, func.count())
            .where(SourceRequest.status >= 300, SourceRequest.at > now - timedelta(hours=24))
            .group_by(SourceRequest.source)
        )
    }
    seen = activity(session, list(names))
    return [
        SourceHealth(
            name,
            display,
            last[name].at if name in last else None,
            last[name].status if name in last else None,
            refused.get(name, 0),
            seen[name].last_refused_at,
            seen[name].last_refusal,
        )
        for name, display in sorted(names.items())
    ]


def _problem(session: Session, label: str, query: object) -> Problem:
    ids = list(session.scalars(query))  # type: ignore[call-overload]  # a select of slack ids
    return Problem(label, ids[:NAMED], len(ids))


def _settings(settings: Settings) -> list[tuple[str, str]]:
    hours = settings.working_hours
    return [
        ("HOT_SCORE", str(settings.hot_score)),
        ("HOT_LEAD_SLA", format_duration(settings.hot_lead_sla)),
        ("ESCALATE_AFTER", format_duration(settings.escalate_after)),
        (
            "REASSIGN_AFTER",
            format_duration(settings.reassign_after) if settings.reassign_after else "off",
        ),
        ("MAX_REASSIGNS", str(settings.max_reassigns) if settings.reassign_after else "-"),
        ("WORKING_HOURS", _hours_text(hours)),
        ("MAX_PINGS_PER_HOUR", str(settings.max_pings_per_hour)),
        ("STALE_AFTER", format_duration(settings.stale_after)),
        ("DIGEST_TIME", settings.digest_time.strftime("%H:%M")),
        ("DEFAULT_TIMEZONE", settings.default_timezone),
    ]


def _routing(settings: Settings) -> list[tuple[str, str]]:
    return [
        ("ROUTING", settings.routing),
        ("MAX_OPEN_HOT_LEADS", str(settings.max_open_hot_leads)),
        ("ALERT_BURST", str(settings.alert_burst) if settings.alert_burst else "off"),
    ]


def _hours_text(hours: WorkingHours) -> str:
    if hours.always:
        return "always"
    days = ",".join(DAYS[d].capitalize() for d in sorted(hours.days))
    return f"{days} {hours.start:%H:%M}-{hours.end:%H:%M}"


def health(session: Session, *, settings: Settings, now: datetime) -> Health:
    pending, oldest = session.execute(
        select(func.count(), func.min(OutboxMessage.created_at)).where(
            OutboxMessage.status == OutboxStatus.PENDING
        )
    ).one()
    failed = (
        session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.FAILED)
        )
        or 0
    )
    last = session.execute(
        select(OutboxMessage.last_error, OutboxMessage.method, OutboxMessage.created_at)
        .where(OutboxMessage.status == OutboxStatus.FAILED)
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    ).first()
    manager = aliased(Person)
    rep = aliased(Person)
    problems = [
        _problem(
            session,
            "Reps with no manager",
            select(Person.slack_id)
            .where(Person.role == "rep", Person.manager_id.is_(None))
            .order_by(Person.name),
        ),
        _problem(
            session,
            "Managers with no reps",
            select(manager.slack_id)
            .where(manager.role == "manager", ~exists().where(rep.manager_id == manager.id))
            .order_by(manager.name),
        ),
        _problem(
            session,
            "People Slack has not confirmed (no Slack profile on record)",
            select(Person.slack_id)
            .where(~exists().where(SlackUser.slack_id == Person.slack_id))
            .order_by(Person.name),
        ),
    ]
    return Health(
        pending=pending or 0,
        failed=failed,
        oldest_pending=format_duration(now - oldest) if oldest is not None else None,
        last_error=last.last_error if last is not None else None,
        last_error_method=last.method if last is not None else None,
        last_error_at=last.created_at if last is not None else None,
        problems=[problem for problem in problems if problem.total],
        settings=_settings(settings),
        routing=_routing(settings),
        sources=source_health(session, settings, now),
    )
