"""`/campaign stats CODE [--since DATE]`: one campaign's scorecard beside the team's baseline
for the same period (since DATE, 00:00 in DEFAULT_TIMEZONE; without it, since ever)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.campaigns.replies import help_message
from bot.lookups import campaign_by_code
from bot.messages import Message, render_message
from bot.models import Feedback
from bot.outcomes.present import figure_rows, reason_rows
from bot.outcomes.scorecard import Period, ScorecardApp, scorecards

LATEST = 3
_SINCE = re.compile(r"^(?P<code>.*?)(?:\s*--since(?:[=\s]+(?P<since>\S*))?)?\s*$", re.DOTALL)


@dataclass(frozen=True)
class StatsRequest:
    code: str
    since: date | None = None
    bad_since: str | None = None  # what was typed after --since, when it is not a date


def parse_stats(text: str) -> StatsRequest:
    """`CODE [--since YYYY-MM-DD]` (the code may hold spaces)."""
    match = _SINCE.match(text.strip())
    assert match is not None  # the pattern matches any text
    code = match.group("code").strip()
    if "--since" not in text:
        return StatsRequest(code)
    raw = match.group("since") or ""
    try:
        return StatsRequest(code, date.fromisoformat(raw))
    except ValueError:
        return StatsRequest(code, bad_since=raw or "nothing")


def stats_reply(app: ScorecardApp, text: str, *, now: datetime) -> Message:
    """The reply to `/campaign stats TEXT`: the scorecard, or the usage naming the problem."""
    request = parse_stats(text)
    with app.db.read_session() as session:
        if not request.code:
            return help_message(session, "missing_code", subcommand="stats")
        if request.bad_since is not None:
            return help_message(session, "bad_since", typed=request.bad_since)
        campaign = campaign_by_code(session, request.code)
        if campaign is None:
            return help_message(session, "unknown_code", code=request.code)
        latest = list(
            session.scalars(
                select(Feedback)
                .where(Feedback.campaign_id == campaign.id)
                .order_by(Feedback.created_at.desc(), Feedback.id.desc())
                .limit(LATEST)
            )
        )
        session.expunge_all()
    zone = ZoneInfo(app.settings.default_timezone)
    if request.since is not None and request.since > now.astimezone(zone).date():
        with app.db.read_session() as session:
            return help_message(session, "future_since", typed=request.since.isoformat())
    cards = scorecards(app, Period.since(request.since, zone, now))
    card = cards.campaign(campaign.id)
    return render_message(
        "campaign_stats",
        campaign=campaign,
        since=request.since,
        rows=figure_rows(card, cards.team, sla=app.settings.hot_lead_sla),
        reasons=reason_rows(card),
        tags=card.feedback_tags,
        feedback=card.feedback,
        latest=latest,
    )


__all__ = ["StatsRequest", "parse_stats", "stats_reply"]
