"""A person's Home: their sections composed within Slack's 100 blocks.

Each section has a few fixed blocks (its header, "…and N more" lines, a divider) and rows
that cost one or two blocks each. The blocks left after the fixed ones are shared out among
the sections present, so a person with every role still gets a valid Home; each list then
says how many it left out and where the whole list is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blockkit import MAX_VIEW_BLOCKS
from bot.config import Settings
from bot.durations import format_duration
from bot.home.campaigns import CampaignBoard, campaign_board
from bot.home.common import (
    Figures,
    Sections,
    home_scorecards,
    sections_of,
    zones_in_session,
)
from bot.home.health import Health, health
from bot.home.queue import Queue, rep_queue
from bot.home.team import ROWS_PER_BLOCK, TeamBoard, team_board
from bot.ids import FeedbackIds, HomeIds, LadderIds, LeadIds, RoutingIds
from bot.leads.render import SNOOZE_OPTIONS
from bot.messages import render_view
from bot.models import Person, utcnow
from bot.outcomes.scorecard import Period, Scorecards
from bot.permissions import takes_leads
from bot.routing import is_away

TOP = 4  # the header, who you are, the away switch (reps), the commands at the bottom
# Fixed blocks per section; rows come on top.
REP_FIXED = 5  # header, my week, snoozed, "…and N more", divider
MANAGER_FIXED = 6  # header, key, overdue heading, "…and N more", digest button, divider
# header, New campaign, "more" cards, inbox heading, "more" feedback, tags, divider
MARKETER_FIXED = 7
ADMIN_FIXED = 8  # header, outbox, lead sources, roster, ladder, routing, erasure, divider
QUEUE_MAX = 15
SNOOZED_MAX = 10
OVERDUE_MAX = 10
TABLE_BLOCKS_MAX = 4  # 60 reps in the table; more are counted
CARDS_MAX = 5
INBOX_MAX = 8


@dataclass
class Budget:
    queue: int = 0
    overdue: int = 0
    table_blocks: int = 0
    cards: int = 0
    inbox: int = 0


def budget(sections: Sections, reps: int) -> Budget:
    """How many rows each section may show so the whole Home stays within 100 blocks."""
    table = min(TABLE_BLOCKS_MAX, -(-reps // ROWS_PER_BLOCK)) if sections.manager else 0
    hidden = 1 if reps > TABLE_BLOCKS_MAX * ROWS_PER_BLOCK else 0  # "…and N more reps"
    fixed = TOP + table + hidden
    fixed += REP_FIXED if sections.rep else 0
    fixed += MANAGER_FIXED if sections.manager else 0
    fixed += MARKETER_FIXED if sections.marketer else 0
    fixed += ADMIN_FIXED if sections.admin else 0
    sharing = sum((sections.rep, sections.manager, sections.marketer))
    share = (MAX_VIEW_BLOCKS - fixed) // sharing if sharing else 0
    plan = Budget(table_blocks=table)
    if sections.rep:
        plan.queue = min(QUEUE_MAX, share // 2)
    if sections.manager:
        plan.overdue = min(OVERDUE_MAX, share // 2)
    if sections.marketer:
        plan.cards = min(CARDS_MAX, share // 3)
        plan.inbox = min(INBOX_MAX, share - 2 * plan.cards)
    return plan


def away_switch(person: Person, now: datetime) -> dict[str, Any] | None:
    """The "I'm away" / "I'm back" switch, for someone round robin gives leads to."""
    if not takes_leads(person):
        return None
    return {
        "away": is_away(person, now),
        "until": person.away_until,
        "action_id": RoutingIds.AWAY_TOGGLE,
    }


def _admins(session: Session) -> list[str]:
    return list(
        session.scalars(
            select(Person.slack_id).where(Person.role == "admin").order_by(Person.name).limit(5)
        )
    )


def home_context(
    session: Session, slack_id: str, *, settings: Settings, now: datetime | None = None
) -> dict[str, Any]:
    """What `templates/home.json.j2` is rendered with, for `slack_id`."""
    now = now or utcnow()
    sections = sections_of(session, slack_id)
    someone = sections.person
    queue: Queue | None = None
    team: TeamBoard | None = None
    campaigns: CampaignBoard | None = None
    report: Health | None = None
    hidden_reps = 0
    week: Scorecards | None = None
    if someone is not None:
        reps: list[str] = []
        if sections.manager:
            reps = list(
                session.scalars(select(Person.slack_id).where(Person.manager_id == someone.id))
            )
        plan = budget(sections, len(reps))
        zones = zones_in_session(session, [slack_id, *reps], settings.default_timezone)
        if sections.rep or sections.manager:
            local = zones[slack_id]
            week = home_scorecards(
                session, settings, Period.week_of(now.astimezone(local).date(), local)
            )
        if sections.rep:
            queue = rep_queue(
                session,
                slack_id,
                settings=settings,
                zone=zones[slack_id],
                now=now,
                shown=plan.queue,
                snoozed_shown=SNOOZED_MAX,
            )
        if sections.manager:
            team = team_board(
                session,
                someone,
                settings=settings,
                zone_of=zones.__getitem__,
                now=now,
                shown=plan.overdue,
            )
            assert week is not None
            for row in team.rows:
                row.week = Figures.of(week.owner(row.id))
            keep = plan.table_blocks * ROWS_PER_BLOCK
            hidden_reps = max(0, len(team.rows) - keep)
            team.rows = team.rows[:keep]
        if sections.marketer:
            ever = home_scorecards(session, settings, Period.since(None, zones[slack_id], now))
            campaigns = campaign_board(
                session,
                now=now,
                cards_shown=plan.cards,
                inbox_shown=plan.inbox,
                figures_of=lambda campaign_id: Figures.of(ever.campaign(campaign_id)),
            )
        if sections.admin:
            report = health(session, settings=settings, now=now)
    return {
        "person": someone,
        "away_switch": away_switch(someone, now) if someone is not None else None,
        "sections": sections,
        "admins": [] if someone is not None else _admins(session),
        "queue": queue,
        "my_week": Figures.of(week.owner(slack_id)) if week and sections.rep else None,
        "team_week": Figures.of(week.team) if week else None,
        "team": team,
        "hidden_reps": hidden_reps,
        "campaigns": campaigns,
        "health": report,
        "sla_text": format_duration(settings.hot_lead_sla),
        "marketing_channel": settings.marketing_channel,
        "ids": LeadIds,
        "home_ids": HomeIds,
        "ladder_nudge": LadderIds.NUDGE,
        "reply": FeedbackIds.REPLY,
        "feedback_button": FeedbackIds.LEAD_FEEDBACK_BUTTON,
        "snooze_options": SNOOZE_OPTIONS,
        "now": now,
    }


def home_view(
    session: Session, slack_id: str, *, settings: Settings, now: datetime | None = None
) -> dict[str, Any]:
    """The Home tab view for `slack_id`, valid and within 100 blocks."""
    return render_view("home", **home_context(session, slack_id, settings=settings, now=now))
