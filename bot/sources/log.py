"""The per-source request log (`source_requests`) and what a source already delivered
(`source_seen`). The log keeps times, statuses, counts and a short error: never a body or a
lead's personal data. `activity` is the small query the Home boards use."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db import Database
from bot.models import SourceRequest, SourceSeen, utcnow

LOG_LIMIT = 100


def record(
    db: Database,
    source: str,
    status: int,
    *,
    received: int = 0,
    counts: dict[str, int] | None = None,
    error: str | None = None,
) -> None:
    """One line in the source's log; a database failure here never fails the request."""
    counts = counts or {}
    try:
        with db.session() as session:
            session.add(
                SourceRequest(
                    source=source,
                    at=utcnow(),
                    status=status,
                    received=received,
                    accepted=counts.get("accepted", 0),
                    updated=counts.get("updated", 0),
                    duplicates=counts.get("duplicates", 0),
                    error=(error or None) and (error or "")[:300],
                )
            )
    except Exception:  # noqa: S110 - the log is best effort; the answer stands
        pass


def last_requests(session: Session, source: str, limit: int = LOG_LIMIT) -> list[SourceRequest]:
    return list(
        session.scalars(
            select(SourceRequest)
            .where(SourceRequest.source == source)
            .order_by(SourceRequest.at.desc(), SourceRequest.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class Activity:
    """When a source last accepted (2xx) and last refused (4xx/5xx) a request."""

    source: str
    last_accepted_at: datetime | None
    last_refused_at: datetime | None
    last_refusal: str | None


def activity(session: Session, sources: Iterable[str]) -> dict[str, Activity]:
    """Each source's last accepted and last refused request (for `sources list` and Home)."""
    names = list(sources)
    if not names:
        return {}
    ok = dict(
        session.execute(
            select(SourceRequest.source, func.max(SourceRequest.at))
            .where(SourceRequest.source.in_(names), SourceRequest.status < 300)
            .group_by(SourceRequest.source)
        ).all()
    )
    result = {}
    for name in names:
        refused = session.scalars(
            select(SourceRequest)
            .where(SourceRequest.source == name, SourceRequest.status >= 300)
            .order_by(SourceRequest.at.desc(), SourceRequest.id.desc())
            .limit(1)
        ).first()
        result[name] = Activity(
            name,
            ok.get(name),
            refused.at if refused else None,
            refused.error if refused else None,
        )
    return result


def seen_keys(session: Session, source: str, keys: Iterable[str]) -> dict[str, SourceSeen]:
    wanted = list(dict.fromkeys(keys))
    found: dict[str, SourceSeen] = {}
    for start in range(0, len(wanted), 400):
        chunk = wanted[start : start + 400]
        found.update(
            (row.key, row)
            for row in session.scalars(
                select(SourceSeen).where(SourceSeen.source == source, SourceSeen.key.in_(chunk))
            )
        )
    return found


__all__ = ["LOG_LIMIT", "Activity", "activity", "last_requests", "record", "seen_keys"]
