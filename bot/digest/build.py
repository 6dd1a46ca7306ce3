"""A manager's digest: gathered for many managers at once, then fitted into one message.

The layout is a header, yesterday's figures and a divider, then one row per rep (with a
"Nudge" button) followed by their leads (each with "Reassign"), the rep with the most stale
leads first. Everything fits Block Kit's 50 blocks: each rep shows as many of their leads as
leaves room for every rep (at most MAX_PER_REP), and what does not fit is summed up in a last
"and N more" line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.digest.figures import Figure, TeamFigures, day_window, team_figures
from bot.digest.parts import DigestApp
from bot.digest.query import (
    RepStale,
    StaleLead,
    escalation_locations,
    hot_arrivals,
    stale_by_rep,
    teams,
)
from bot.digest.zones import zones
from bot.durations import format_duration
from bot.ids import DigestIds, LeadIds
from bot.messages import MAX_MESSAGE_BLOCKS, Message, render_message

MAX_PER_REP = 10
HEAD_BLOCKS = 3  # header, figures, divider
MORE_BLOCKS = 1  # the closing "and N more" line


@dataclass
class DigestContent:
    manager_id: str
    manager_name: str
    zone: ZoneInfo
    local_date: date
    now: datetime
    reps: list[RepStale]  # the rep with the most stale leads first
    figures: TeamFigures
    rep_names: dict[str, str]

    @property
    def total(self) -> int:
        return sum(rep.total for rep in self.reps)


def local_date(now: datetime, zone: ZoneInfo) -> date:
    return now.astimezone(zone).date()


def alert_url(channel: str, ts: str) -> str:
    """A link that opens the alert's conversation in Slack (app_redirect needs no workspace
    domain and no API call; `message_ts` points at the message where the client supports it)."""
    return "https://slack.com/app_redirect?" + urlencode({"channel": channel, "message_ts": ts})


def build_digests(
    handoff: DigestApp,
    manager_ids: Iterable[str] | None = None,
    *,
    now: datetime,
    per_rep: int = MAX_PER_REP,
) -> list[DigestContent]:
    """The digests of `manager_ids` (default: everyone with role manager), as of `now`."""
    settings = handoff.settings
    with handoff.db.session() as session:
        team_list = teams(session, manager_ids)
    if not team_list:
        return []
    rep_names = {rep: name for team in team_list for rep, name in team.reps.items()}
    zone_map = zones(handoff.directory, [t.manager_id for t in team_list] + list(rep_names))
    fallback = ZoneInfo(settings.default_timezone)

    def zone_of(slack_id: str) -> ZoneInfo:
        return zone_map.get(slack_id, fallback)

    windows = {
        t.manager_id: day_window(
            local_date(now, zone_of(t.manager_id)) - timedelta(days=1), zone_of(t.manager_id)
        )
        for t in team_list
    }
    with handoff.db.session() as session:
        stale = stale_by_rep(
            session,
            rep_names,
            now=now,
            stale_after=settings.stale_after,
            sla=settings.hot_lead_sla,
            hours=settings.working_hours,
            zone_of=zone_of,
            per_rep=per_rep,
        )
        arrivals = hot_arrivals(
            session,
            rep_names,
            min(start for start, _ in windows.values()),
            max(end for _, end in windows.values()),
        )
        # The manager cannot open the rep's DM: their lines link to the escalation they got.
        links = escalation_locations(
            session, [lead.id for entry in stale.values() for lead in entry.leads]
        )
    for entry in stale.values():
        for lead in entry.leads:
            if lead.id in links:
                lead.escalation_url = alert_url(*links[lead.id])
    digests = []
    for team in team_list:
        zone = zone_of(team.manager_id)
        start, end = windows[team.manager_id]
        rows = [
            row
            for rep in team.reps
            for row in arrivals.get(rep, [])
            if start <= row.received_at < end
        ]
        reps = sorted(
            (stale[rep] for rep in team.reps if rep in stale),
            key=lambda r: (-r.total, r.oldest or now, r.name),
        )
        digests.append(
            DigestContent(
                manager_id=team.manager_id,
                manager_name=team.manager_name,
                zone=zone,
                local_date=local_date(now, zone),
                now=now,
                reps=reps,
                figures=team_figures(
                    rows,
                    day=local_date(now, zone) - timedelta(days=1),
                    sla=settings.hot_lead_sla,
                    hours=settings.working_hours,
                    zone_of=zone_of,
                ),
                rep_names=rep_names,
            )
        )
    return digests


def add_alert_links(entries: Iterable[RepStale], links: dict[int, tuple[str, str]]) -> None:
    for entry in entries:
        for lead in entry.leads:
            if lead.id in links:
                lead.alert_url = alert_url(*links[lead.id])


@dataclass
class Plan:
    reps: list[RepStale]  # with `leads` cut to what is shown
    hidden_leads: int
    hidden_reps: int


def plan(reps: list[RepStale], budget: int) -> Plan:
    """Choose what fits in `budget` blocks: one per rep row and one per lead shown.

    Every rep gets the same number of leads (the most that lets all of them fit, at most
    MAX_PER_REP); spare room is shared out one lead at a time from the top. When not even
    one lead each fits, the reps at the bottom are left out.
    """
    per_rep = 1
    for k in range(MAX_PER_REP, 0, -1):
        if sum(1 + min(k, len(rep.leads)) for rep in reps) <= budget:
            per_rep = k
            break
    counts = [min(per_rep, len(rep.leads)) for rep in reps]
    spare = budget - sum(1 + count for count in counts)
    while spare > 0:  # room left over: one more lead each, the most stale reps first
        grew = False
        for index, rep in enumerate(reps):
            if spare > 0 and counts[index] < len(rep.leads):
                counts[index] += 1
                spare -= 1
                grew = True
        if not grew:
            break
    shown: list[RepStale] = []
    used = 0
    for rep, count in zip(reps, counts, strict=True):
        if used + 1 + count > budget:
            break
        shown.append(replace(rep, leads=rep.leads[:count]))
        used += 1 + count
    total = sum(rep.total for rep in reps)
    return Plan(shown, total - sum(len(r.leads) for r in shown), len(reps) - len(shown))


def day_label(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def render_digest(
    content: DigestContent, settings: Settings, *, on_demand: bool = False
) -> Message | None:
    """The digest message; None when nothing is stale and the all-clear is turned off.

    on_demand: for `/leads stale` (always answers; its "more" line points at Nudge instead).
    """
    if not content.reps and not (on_demand or settings.digest_all_clear):
        return None
    return render_message("digest", **digest_context(content, settings, on_demand=on_demand))


def digest_context(
    content: DigestContent, settings: Settings, *, on_demand: bool = False
) -> dict[str, object]:
    """What `templates/digest.json.j2` is rendered with."""
    layout = plan(content.reps, MAX_MESSAGE_BLOCKS - HEAD_BLOCKS - MORE_BLOCKS)
    figures = content.figures
    return {
        "ids": DigestIds,
        "reassign": LeadIds.REASSIGN,
        "on_demand": on_demand,
        "day": day_label(content.local_date),
        "yesterday": day_label(figures.day),
        "total": content.total,
        "rep_count": len(content.reps),
        "reps": [
            {
                "id": rep.rep_id,
                "name": rep.name,
                "total": rep.total,
                "hot": rep.hot_total,
                "shown": len(rep.leads),
                "leads": [lead_view(lead, content.now) for lead in rep.leads],
            }
            for rep in layout.reps
        ],
        "hidden_leads": layout.hidden_leads,
        "hidden_reps": layout.hidden_reps,
        "team": _figure(figures.team),
        "campaigns": [_figure(f) for f in figures.campaigns],
        "more_campaigns": figures.more_campaigns,
        "sla": format_duration(settings.hot_lead_sla),
    }


def lead_view(lead: StaleLead, now: datetime) -> dict[str, object]:
    """What the templates show of a lead."""
    return {
        "id": lead.id,
        "name": lead.name,
        "company": lead.company,
        "hot": lead.hot,
        "age": format_duration(now - lead.received_at),
        "campaign": lead.campaign,
        "score": lead.score,
        "alert_url": lead.alert_url,
        "escalation_url": lead.escalation_url,
    }


def _figure(figure: Figure) -> dict[str, object]:
    median = figure.median
    return {
        "label": figure.label,
        "hot_in": figure.hot_in,
        "share": figure.share,
        "median": format_duration(median) if median is not None else None,
    }
