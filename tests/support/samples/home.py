"""Sample contexts for the Home tab: every board at once, full lists, hostile text."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.campaigns.form import MAX_REPS
from bot.config import Settings
from bot.home.campaigns import CampaignBoard, CampaignCard, InboxItem, Trend
from bot.home.common import Figures, Sections
from bot.home.health import Health, Problem, SourceHealth, _routing, _settings
from bot.home.queue import Queue, QueueItem, SnoozedItem
from bot.home.team import OverdueLead, RepRow, TeamBoard
from bot.home.view import CARDS_MAX, INBOX_MAX, OVERDUE_MAX, QUEUE_MAX, SNOOZED_MAX
from bot.ids import FeedbackIds, HomeIds, LadderIds, LeadIds
from bot.leads.render import ACTIONS_BY_STATUS, SNOOZE_OPTIONS
from bot.models import Feedback, Person
from tests.support.samples.registry import partial, sample
from tests.support.samples.shared import MOMENT, hostile_campaign, hostile_lead

URL = "https://slack.com/app_redirect?channel=D1&message_ts=1.2"
FIGURES = Figures(120, 40, 30, "25%", "7m", "4%", 12)


def _base(person: Person | None, sections: Sections, **boards: Any) -> dict[str, Any]:
    return {
        "person": person,
        # A rep's switch, away until a date (the hostile samples check its escaping too).
        "away_switch": (
            {"away": True, "until": MOMENT, "action_id": "routing_away_toggle"}
            if person is not None
            else None
        ),
        "sections": sections,
        "admins": ["UADMIN1", "UADMIN2"] if person is None else [],
        "queue": None,
        "my_week": FIGURES,
        "team_week": FIGURES,
        "team": None,
        "hidden_reps": 0,
        "campaigns": None,
        "health": None,
        "sla_text": "15m",
        "marketing_channel": "CMKT",
        "ids": LeadIds,
        "home_ids": HomeIds,
        "ladder_nudge": LadderIds.NUDGE,
        "reply": FeedbackIds.REPLY,
        "feedback_button": FeedbackIds.LEAD_FEEDBACK_BUTTON,
        "snooze_options": SNOOZE_OPTIONS,
        "now": MOMENT,
        **boards,
    }


def _queue(hostile: str) -> Queue:
    lead = hostile_lead(hostile, hot=True, snoozed_until=MOMENT)
    items = [
        QueueItem(lead, hostile, "overdue 3m", True, ACTIONS_BY_STATUS["new"], f"b:{i}", URL)
        for i in range(QUEUE_MAX)
    ]
    snoozed = [SnoozedItem(lead, hostile, URL)] * SNOOZED_MAX
    return Queue(items, 500, snoozed, 40)


def _team(hostile: str) -> TeamBoard:
    rows = [RepRow(f"UREP{i}", hostile[:40], 3, 2, 1, i % 2 == 0, FIGURES) for i in range(60)]
    overdue = [
        OverdueLead(i, hostile, hostile, hostile, "UREP1", 2, timedelta(minutes=9), f"o:{i}", URL)
        for i in range(OVERDUE_MAX)
    ]
    return TeamBoard(rows, overdue, 2000)


POOL_REPS = tuple(f"U{n:08d}" for n in range(MAX_REPS))  # the most a campaign may name


def _campaigns(hostile: str) -> CampaignBoard:
    cards = [
        CampaignCard(
            hostile_campaign(hostile, id=i), FIGURES, 3, 50, ["UREP1"] * 8, f"c:{i}", POOL_REPS
        )
        for i in range(CARDS_MAX)
    ]
    feedback = Feedback(
        id=5,
        author_id="UREP1",
        text=f"{hostile}\n>{hostile}",
        tags=["pricing"],
        kind="rep",
        created_at=MOMENT,
        replied_by=None,
    )
    answered = Feedback(
        id=6,
        author_id="UREP2",
        text=hostile,
        tags=[],
        kind="lead_quality",
        created_at=MOMENT,
        replied_by="UMKT1",
    )
    inbox = [InboxItem(feedback, hostile)] * (INBOX_MAX - 1) + [InboxItem(answered, None)]
    trends = [Trend("pricing", 5, 3), Trend("competitor", 2, -1), Trend("praise", 1, 0)]
    return CampaignBoard(cards, 30, inbox, 9, 80, trends)


def _health() -> Health:
    problems = [Problem("Reps with no manager", ["UREP1"] * 8, 12)]
    sources = [
        SourceHealth("hubspot", "HubSpot", MOMENT, 401, 7, MOMENT, "bad signature <!here>"),
        SourceHealth("typeform", "Typeform", MOMENT, 202, 0, None, None),
        SourceHealth("web", "Web form", None, None, 0, None, None),
    ]
    return Health(
        3,
        2,
        "4m",
        "channel_not_found",
        "chat.postMessage",
        MOMENT,
        problems,
        _settings(Settings()),
        sources,
        _routing(Settings()),
    )


@sample("home", "view")
def home_everything(hostile: str) -> dict[str, Any]:
    """Every board at its fullest, as for an admin who is also everything else."""
    person = Person(slack_id="UBOSS", name=hostile, role="admin")
    return _base(
        person,
        Sections(person, rep=True, manager=True, marketer=True, admin=True),
        queue=_queue(hostile),
        team=_team(hostile),
        hidden_reps=4,
        campaigns=_campaigns(hostile),
        health=_health(),
    )


@sample("home", "view", user_text=False)
def home_empty_boards(hostile: str) -> dict[str, Any]:
    person = Person(slack_id="UBOSS", name="Alex", role="admin")
    return _base(
        person,
        Sections(person, rep=True, manager=True, marketer=True, admin=True),
        queue=Queue([], 0, [], 0),
        team=TeamBoard([]),
        campaigns=CampaignBoard([], 0, [], 0, 0, []),
        health=Health(0, 0, None, None, None, None, [], _settings(Settings())),
    )


@sample("home", "view", user_text=False)
def home_stranger(hostile: str) -> dict[str, Any]:
    return _base(None, Sections(None))


partial("home_queue", "home")
partial("home_team", "home")
partial("home_campaigns", "home")
partial("home_health", "home")
