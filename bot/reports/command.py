"""`python app.py report weekly|export`: the weekly sync report on demand, and the lead export.

- `report weekly [--dry-run] [--week 2026-W47]`: last week's report (or that week's) now.
  It counts as that week's report, so the scheduled one does not repeat it, and a second run
  sends nothing. `--dry-run` prints the text, writes the chart to a PNG it names, and sends
  and records nothing.
- `report export [--since DATE] [--until DATE] [--format csv|json]`: every lead that arrived
  in those days (in DEFAULT_TIMEZONE, both inclusive) to stdout, streamed.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.digest.plain import as_text
from bot.digest.zones import zones
from bot.models import utcnow
from bot.outcomes.scorecard import ScorecardApp, owner_ids
from bot.reports import export
from bot.reports.content import build_weekly
from bot.reports.render import report_chart, report_message
from bot.reports.send import channels, send_report
from bot.reports.weeks import BadWeek, IsoWeek
from bot.services import Handoff

DELIVERY_TIMEOUT = 60.0


class BadInput(ValueError):
    """A bad argument; the message is the one line to print."""


def parse_week(text: str | None, settings: Settings, *, dry_run: bool) -> IsoWeek:
    """The week asked for (default: last week). A week that has not ended is refused, but
    for a dry run of the current one (a preview): a report sent for it would count as sent."""
    zone = ZoneInfo(settings.default_timezone)
    current = IsoWeek.of(utcnow().astimezone(zone).date())
    if text is None:
        return IsoWeek.before(utcnow(), zone)
    try:
        week = IsoWeek.parse(text)
    except BadWeek as exc:
        raise BadInput(f"--week: {exc}") from None
    if week > current or (week == current and not dry_run):
        raise BadInput(f"--week: {week.label} has not ended yet (this is {current.label})")
    return week


def parse_day(option: str, text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"{option}: {text!r} is not a date; write it like 2026-11-02") from None


def weekly(
    handoff: Handoff,
    *,
    week_text: str | None,
    dry_run: bool,
    out: TextIO = sys.stdout,
    folder: Path = Path(),
) -> int:
    week = parse_week(week_text, handoff.settings, dry_run=dry_run)
    if dry_run:
        content = build_weekly(handoff, week)
        print(as_text(report_message(content)), file=out)
        chart = report_chart(content)
        if chart is None:
            print(f"(no leads in {week.label}, so no chart)", file=out)
        else:
            path = folder / f"handoff-sync-{week.label}.png"
            path.write_bytes(chart)
            print(f"Chart written to {path} ({len(chart)} bytes).", file=out)
        return 0
    if not channels(handoff.settings):
        raise BadInput("set SYNC_CHANNEL, or SALES_CHANNEL and MARKETING_CHANNEL")
    sent = send_report(handoff, week)
    if sent.already:
        print(f"The report for {week.label} was already sent; nothing sent again.", file=out)
        return 0
    status = handoff.dispatcher.deliver(sent.keys, DELIVERY_TIMEOUT)
    failed = [key for key in sent.keys if status.get(key) == "failed"]
    waiting = [key for key in sent.keys if status.get(key, "pending") == "pending"]
    where = ", ".join(sent.channels)
    if failed:
        print(
            f"Slack refused part of the report for {week.label} ({where}); see the log.", file=out
        )
        return 1
    if waiting:
        print(
            f"The report for {week.label} is queued for {where}; the running app sends it.",
            file=out,
        )
    else:
        print(f"The report for {week.label} was sent to {where}, with its chart.", file=out)
    return 0


def export_leads(
    app: ScorecardApp,
    *,
    since: str | None,
    until: str | None,
    fmt: str,
    out: TextIO = sys.stdout,
) -> int:
    first, last = parse_day("--since", since), parse_day("--until", until)
    if first and last and last < first:
        raise BadInput(f"--until {last} is before --since {first}")
    if fmt not in export.FORMATS:
        raise BadInput(f"--format: {fmt!r} is not csv or json")
    settings = app.settings
    zone = ZoneInfo(settings.default_timezone)
    period = export.ExportRange(first, last).period(zone, utcnow())
    with app.db.read_session() as session:
        owners = owner_ids(session, period)
    zone_map = zones(app.directory, owners)
    with app.db.read_session() as session:
        lines = export.rows(
            session,
            period,
            sla=settings.hot_lead_sla,
            hours=settings.working_hours,
            zone_of=lambda owner: zone_map.get(owner or "", zone),
        )
        try:
            export.write(lines, out, fmt)
            out.flush()
        except BrokenPipeError:  # the reader stopped early (e.g. `| head`): not an error
            _quiet_stdout(out)
    return 0


def _quiet_stdout(out: TextIO) -> None:
    """After a broken pipe, point stdout at /dev/null so the exit flush does not fail too."""
    if out is sys.stdout:
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
