"""Helpers for the weekly report's tests: a SYNC_REPORT slot that has just passed, and a week
of leads for it to report on (the scorecard fixture, moved to that week)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.config import SyncSchedule
from bot.db import Database
from bot.models import Campaign, Feedback, Lead
from bot.reports.weeks import IsoWeek
from bot.workhours import DAYS

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def just_passed(now: datetime | None = None) -> tuple[SyncSchedule, str, IsoWeek]:
    """A schedule whose slot was two minutes ago (UTC), its SYNC_REPORT text, and the week
    its report covers."""
    slot = (now or datetime.now(UTC)) - timedelta(minutes=2)
    schedule = SyncSchedule(slot.weekday(), slot.time().replace(second=0, microsecond=0))
    text = f"{DAYS[slot.weekday()].title()} {schedule.at:%H:%M}"
    return schedule, text, IsoWeek.before(slot, ZoneInfo("UTC"))


def seed_week(db: Database, week: IsoWeek) -> None:
    """Two campaigns and a few leads that arrived in `week` (Tuesday), touched and worked."""
    tuesday = datetime.combine(week.monday + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    with db.session() as session:
        spring = Campaign(code="spring", name="Spring webinar")
        summer = Campaign(code="summer", name="Summer $ promo")
        session.add_all([spring, summer])
        session.flush()
        for n, (campaign, minutes, stage) in enumerate(
            [
                (spring, 5, "won"),
                (spring, 12, "meeting"),
                (spring, None, "new"),
                (summer, 40, "working"),
                (summer, 90, "lost"),
            ]
        ):
            received = tuesday + timedelta(hours=10, minutes=n)
            session.add(
                Lead(
                    external_id=f"w-{n}",
                    name=f"Week lead {n}",
                    campaign_id=campaign.id,
                    owner_id="UREP1",
                    hot=n % 2 == 0,
                    received_at=received,
                    first_touched_at=received + timedelta(minutes=minutes) if minutes else None,
                    status="contacted" if minutes else "new",
                    stage=stage,
                )
            )
        session.add(
            Feedback(
                campaign_id=spring.id,
                author_id="UREP1",
                text="They loved the demo <!here>",
                tags=["praise"],
                created_at=tuesday + timedelta(hours=12),
            )
        )
