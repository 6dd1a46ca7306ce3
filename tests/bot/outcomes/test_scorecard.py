"""The scorecard builder against a hand-computed fixture: a dozen leads in two time zones
(Rita in New York, Ravi in Kolkata), working hours Mon-Fri 08:00-18:00, SLA 15 minutes.

The week is Mon 2026-11-16 00:00Z to Mon 2026-11-23 00:00Z. Times to first touch, worked:
L1 10m, L2 30m (17:50 → 18:00 + 08:00 → 08:20 NY), L3 5m, L4 60m (17:30 → 18:00 + 08:00 →
08:30 IST), L5 10m (arrived 01:30 IST), L7 2m, L8 20m, L9 5m (arrived on a Saturday), L10 15m
(exactly the SLA: within), L12 45m. L6 and L11 are never touched; L0 and L13 lie outside the week.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.db import Database
from bot.leads import stages
from bot.models import Campaign, Feedback, Lead
from bot.outcomes.scorecard import Period, Scorecard, Scorecards, build_scorecards
from bot.states import FeedbackKind, LeadStage, LeadStatus, StageSource
from bot.workhours import WorkingHours

NY, KOLKATA = ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")
ZONES = {"UREP1": NY, "UREP2": KOLKATA}
WEEK = Period(datetime(2026, 11, 16, tzinfo=UTC), datetime(2026, 11, 23, tzinfo=UTC))
M = timedelta(minutes=1)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def add_lead(
    session: Session,
    n: int,
    campaign: Campaign | None,
    owner: str | None,
    received: datetime,
    *,
    hot: bool = False,
    touched: datetime | None = None,
    stages_at: tuple[tuple[LeadStage, datetime], ...] = (),
    status: LeadStatus | None = None,
) -> Lead:
    lead = Lead(
        external_id=f"L{n}",
        name=f"Lead {n}",
        campaign_id=campaign.id if campaign else None,
        owner_id=owner,
        hot=hot,
        received_at=received,
        first_touched_at=touched,
        status=status or (LeadStatus.CLAIMED if touched else LeadStatus.NEW),
    )
    session.add(lead)
    session.flush()
    for stage, when in stages_at:
        stages.move(session, lead, stage, at=when, by_kind=StageSource.CRM, by="HubSpot")
    return lead


def feedback(
    session: Session, campaign: Campaign | None, author: str, when: datetime, *tags: str
) -> None:
    session.add(
        Feedback(
            campaign_id=campaign.id if campaign else None,
            author_id=author,
            text="what they said",
            tags=list(tags),
            created_at=when,
        )
    )


def seed(session: Session) -> tuple[Campaign, Campaign]:
    a, b = Campaign(code="a", name="Campaign A"), Campaign(code="b", name="Campaign B")
    session.add_all([a, b])
    session.flush()
    W, MEET, OPP = LeadStage.WORKING, LeadStage.MEETING, LeadStage.OPPORTUNITY
    WON, LOST = LeadStage.WON, LeadStage.LOST
    add_lead(
        session,
        0,
        a,
        "UREP1",
        at(15, 14),
        hot=True,
        touched=at(16, 14),
        stages_at=((WON, at(16, 14)),),
    )
    add_lead(
        session,
        1,
        a,
        "UREP1",
        at(17, 14),
        hot=True,
        touched=at(17, 14, 10),
        stages_at=((W, at(17, 14, 10)), (MEET, at(18, 15)), (WON, at(20, 15))),
    )
    add_lead(
        session,
        2,
        a,
        "UREP1",
        at(17, 22, 50),
        hot=True,
        touched=at(18, 13, 20),
        stages_at=((W, at(18, 13, 20)), (LOST, at(19, 15))),
    )
    add_lead(
        session,
        3,
        a,
        "UREP2",
        at(17, 3),
        touched=at(17, 3, 5),
        stages_at=((W, at(17, 3, 5)), (MEET, at(17, 5)), (OPP, at(18, 5))),
    )
    add_lead(
        session, 4, a, "UREP2", at(17, 12), hot=True, touched=at(18, 3), stages_at=((W, at(18, 3)),)
    )
    add_lead(session, 5, a, "UREP2", at(17, 20), stages_at=((WON, at(18, 2, 40)),))
    add_lead(session, 6, a, "UREP1", at(17, 15), hot=True)
    not_fit = add_lead(
        session, 7, a, "UREP1", at(17, 14, 58), touched=at(17, 15), status=LeadStatus.NOT_FIT
    )
    session.add(
        Feedback(
            campaign_id=a.id,
            lead_id=not_fit.id,
            author_id="UREP1",
            kind=FeedbackKind.LEAD_QUALITY,
            text="No budget",
            tags=["no_budget"],
            created_at=at(17, 15),
        )
    )
    add_lead(
        session,
        8,
        b,
        "UREP2",
        at(17, 4),
        hot=True,
        touched=at(17, 4, 20),
        stages_at=((W, at(17, 4, 20)), (MEET, at(17, 6)), (LOST, at(19, 6))),
    )
    add_lead(
        session, 9, b, "UREP1", at(21, 15), stages_at=((LeadStage.DISQUALIFIED, at(23, 13, 5)),)
    )
    add_lead(
        session,
        10,
        b,
        "UREP2",
        at(18, 5),
        hot=True,
        touched=at(18, 5, 15),
        stages_at=((W, at(18, 5, 15)),),
    )
    add_lead(session, 11, None, None, at(19, 10))
    add_lead(
        session,
        12,
        None,
        "UREP1",
        at(19, 13),
        hot=True,
        touched=at(19, 13, 45),
        stages_at=((W, at(19, 13, 45)), (WON, at(20, 14))),
    )
    add_lead(
        session,
        13,
        a,
        "UREP1",
        at(24, 14),
        hot=True,
        touched=at(24, 14, 1),
        stages_at=((WON, at(24, 15)),),
    )
    feedback(session, a, "UREP1", at(17, 16), "pricing", "competitor")
    feedback(session, a, "UREP2", at(18, 9), "pricing")
    feedback(session, b, "UREP2", at(19, 9), "praise")
    feedback(session, None, "UREP1", at(20, 9))
    feedback(session, a, "UREP1", at(24, 9), "pricing")  # next week
    return a, b


def build(db: Database) -> tuple[Scorecards, int, int]:
    with db.session() as session:
        a, b = seed(session)
    with db.read_session() as session:
        cards = build_scorecards(
            session,
            period=WEEK,
            sla=timedelta(minutes=15),
            hours=WorkingHours.parse("Mon-Fri 08:00-18:00"),
            zone_of=lambda owner: ZONES.get(owner or "", ZoneInfo("UTC")),
        )
    return cards, a.id, b.id


def figures(card: Scorecard) -> dict[str, object]:
    c = card.counts
    return {
        "leads": c.leads,
        "hot": c.hot,
        "touched": c.touched,
        "within_sla": card.within_sla,
        "median": card.median_first_touch,
        "p90": card.p90_first_touch,
        "contacted": c.contacted,
        "meetings": c.meetings,
        "opportunities": c.opportunities,
        "won": c.won,
        "hot_won": c.hot_won,
        "lost": c.lost,
        "disqualified": c.disqualified,
        "not_fit": c.not_fit,
        "reasons": card.not_fit_reasons,
        "feedback": card.feedback,
        "tags": card.feedback_tags,
    }


def test_the_team_baseline_matches_the_hand_computed_figures(db: Database) -> None:
    cards, _, _ = build(db)
    assert figures(cards.team) == {
        "leads": 12,
        "hot": 7,
        "touched": 10,
        "within_sla": 6,
        "median": 12.5 * M,
        "p90": 45 * M,  # 2 5 5 10 10 | 15 20 30 45 60
        "contacted": 8,
        "meetings": 5,
        "opportunities": 4,
        "won": 3,
        "hot_won": 2,
        "lost": 2,
        "disqualified": 1,
        "not_fit": 1,
        "reasons": {"no_budget": 1},
        "feedback": 4,
        "tags": {"pricing": 2, "competitor": 1, "praise": 1},
    }
    assert cards.team.within_sla_share == 0.5
    assert cards.team.conversion == 0.25
    assert cards.team.hot_conversion == 2 / 7


def test_each_campaign_matches(db: Database) -> None:
    cards, a, b = build(db)
    assert figures(cards.campaign(a)) == {
        "leads": 7,
        "hot": 4,
        "touched": 6,
        "within_sla": 4,
        "median": 10 * M,
        "p90": 60 * M,  # 2 5 10 10 30 60
        "contacted": 5,
        "meetings": 3,
        "opportunities": 3,
        "won": 2,
        "hot_won": 1,
        "lost": 1,
        "disqualified": 0,
        "not_fit": 1,
        "reasons": {"no_budget": 1},
        "feedback": 2,
        "tags": {"pricing": 2, "competitor": 1},
    }
    assert figures(cards.campaign(b)) == {
        "leads": 3,
        "hot": 2,
        "touched": 3,
        "within_sla": 2,
        "median": 15 * M,
        "p90": 20 * M,
        "contacted": 2,
        "meetings": 1,
        "opportunities": 0,
        "won": 0,
        "hot_won": 0,
        "lost": 1,
        "disqualified": 1,
        "not_fit": 0,
        "reasons": {},
        "feedback": 1,
        "tags": {"praise": 1},
    }
    none = cards.campaign(None)
    assert (none.leads, none.hot, none.won, none.median_first_touch) == (2, 1, 1, 45 * M)
    assert cards.refs[a].code == "a" and cards.refs[b].name == "Campaign B"
    assert cards.campaign(a).conversion == 2 / 7 and cards.campaign(b).conversion == 0


def test_each_owner_matches(db: Database) -> None:
    cards, _, _ = build(db)
    assert figures(cards.owner("UREP1")) == {
        "leads": 6,
        "hot": 4,
        "touched": 5,
        "within_sla": 3,
        "median": 10 * M,
        "p90": 45 * M,  # 2 5 10 30 45
        "contacted": 3,
        "meetings": 2,
        "opportunities": 2,
        "won": 2,
        "hot_won": 2,
        "lost": 1,
        "disqualified": 1,
        "not_fit": 1,
        "reasons": {"no_budget": 1},
        "feedback": 2,
        "tags": {"competitor": 1, "pricing": 1},
    }
    assert figures(cards.owner("UREP2")) == {
        "leads": 5,
        "hot": 3,
        "touched": 5,
        "within_sla": 3,
        "median": 15 * M,
        "p90": 60 * M,  # 5 10 15 20 60
        "contacted": 5,
        "meetings": 3,
        "opportunities": 2,
        "won": 1,
        "hot_won": 0,
        "lost": 1,
        "disqualified": 0,
        "not_fit": 0,
        "reasons": {},
        "feedback": 2,
        "tags": {"praise": 1, "pricing": 1},
    }
    assert cards.owner(None).leads == 1  # L11, unassigned
    assert cards.owner("UNOBODY").leads == 0 and cards.owner("UNOBODY").conversion is None


def test_periods_are_read_in_a_zone() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    week = Period.week_of(date(2026, 11, 19), berlin)
    assert week.start == datetime(2026, 11, 15, 23, tzinfo=UTC)
    assert week.end == datetime(2026, 11, 22, 23, tzinfo=UTC)
    since = Period.since(date(2026, 11, 1), berlin, now=at(25, 12))
    assert since.start == datetime(2026, 10, 31, 23, tzinfo=UTC) and since.end == at(25, 12)
    assert Period.since(None, berlin, now=at(25, 12)).start is None


def test_an_empty_period_has_empty_cards(db: Database) -> None:
    with db.read_session() as session:
        cards = build_scorecards(
            session,
            period=WEEK,
            sla=timedelta(minutes=15),
            hours=WorkingHours.parse("always"),
            zone_of=lambda owner: ZoneInfo("UTC"),
        )
    assert cards.team.leads == 0 and cards.team.median_first_touch is None
    assert cards.team.within_sla_share is None and cards.campaigns == {}
