"""`python app.py report export`: one row per lead, streamed, for spreadsheets and BI tools.

Columns: id (the source's id), campaign (code), source, owner (Slack id), received, first
touch, the time each stage was first reached (working … disqualified), outcome (the current
stage), and sla_met (first touched within HOT_LEAD_SLA of the owner's working time; empty
while untouched). Times are ISO 8601 in UTC. Rows leave the database in batches
(`yield_per`, a server-side cursor on PostgreSQL) and are written as they come, so memory
does not grow with the number of leads. No names, emails or phone numbers are exported.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import Campaign, Lead, LeadStageChange
from bot.outcomes.scorecard import Period, in_period
from bot.states import LeadStage
from bot.workhours import WorkingHours

BATCH = 2000
STAGES = [s for s in LeadStage if s is not LeadStage.NEW]
COLUMNS = [
    "id",
    "campaign",
    "source",
    "owner",
    "received",
    "first_touch",
    *(f"{stage.value}_at" for stage in STAGES),
    "outcome",
    "sla_met",
]
FORMATS = ("csv", "json")


@dataclass(frozen=True)
class ExportRange:
    since: date | None
    until: date | None  # inclusive

    def period(self, zone: ZoneInfo, now: datetime) -> Period:
        start = Period.days(self.since, self.since, zone).start if self.since else None
        end = Period.days(self.until, self.until, zone).end if self.until else now
        return Period(start, end)


def _iso(value: datetime | None) -> str:
    return "" if value is None else value.isoformat().replace("+00:00", "Z")


def rows(
    session: Session,
    period: Period,
    *,
    sla: timedelta,
    hours: WorkingHours,
    zone_of: Callable[[str | None], ZoneInfo],
) -> Iterator[dict[str, str]]:
    """The export's rows, oldest lead first, fetched in batches of BATCH."""
    firsts = (
        select(
            LeadStageChange.lead_id.label("lead_id"),
            *(
                func.min(LeadStageChange.at)
                .filter(LeadStageChange.stage == stage.value)
                .label(stage.value)
                for stage in STAGES
            ),
        )
        .group_by(LeadStageChange.lead_id)
        .subquery()
    )
    query = (
        select(
            Lead.external_id,
            func.coalesce(Campaign.code, Lead.campaign_code),
            Lead.source,
            Lead.owner_id,
            Lead.received_at,
            Lead.first_touched_at,
            Lead.stage,
            *(firsts.c[stage.value] for stage in STAGES),
        )
        .outerjoin(Campaign, Campaign.id == Lead.campaign_id)
        .outerjoin(firsts, firsts.c.lead_id == Lead.id)
        .where(*in_period(period))
        .order_by(Lead.received_at, Lead.id)
        .execution_options(yield_per=BATCH)
    )
    for row in session.execute(query):
        values: tuple[Any, ...] = tuple(row)
        external_id, campaign, source, owner, received, touched, stage, *stage_times = values
        met = ""
        if touched is not None:
            worked = hours.worked_between(received, touched, zone_of(owner))
            met = "yes" if worked <= sla else "no"
        yield {
            "id": str(external_id),
            "campaign": campaign or "",
            "source": source or "",
            "owner": owner or "",
            "received": _iso(received),
            "first_touch": _iso(touched),
            **{
                f"{stage.value}_at": _iso(_aware(value))
                for stage, value in zip(STAGES, stage_times, strict=True)
            },
            "outcome": str(stage or LeadStage.NEW.value),
            "sla_met": met,
        }


def _aware(value: Any) -> datetime | None:
    """min() over a UTC column comes back naive (SQLite: as text) without the column's type."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))


def write(lines: Iterator[dict[str, str]], out: TextIO, fmt: str) -> int:
    """Write `lines` to `out` as CSV (with a header) or a JSON array (one object a line),
    each row as it comes; the count written."""
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for line in lines:
            writer.writerow(line)
            count += 1
        return count
    out.write("[")
    for line in lines:
        out.write(",\n" if count else "\n")
        out.write(json.dumps(line, ensure_ascii=False))
        count += 1
    out.write("\n]\n")
    return count
