"""Publishing Homes: at once when a person opens theirs, and again, debounced, when what it
shows changes.

Every publish is a `views.publish` row in the outbox (`bot.outbox`), keyed per person, so an
older publish still waiting is superseded by a newer one and Slack never ends up showing an
older Home. `home_views` remembers who has a Home and when it was last published. A change
(`bot.home.changes`) sets `due_at` for the people it concerns, at the earliest
`HOME_REFRESH_INTERVAL` after their last publish and at least a second from now, so a burst
of changes (a batch of 500 leads, a run of clicks) becomes one publish. The scheduler's
`home-refresh` tick claims due rows with a conditional UPDATE (several processes may tick)
and publishes each in the claim's transaction. People who have never opened their Home are
left alone: Slack shows a Home only to those who open it, and the first opening publishes it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Select, bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import outbox
from bot.config import Settings
from bot.db import Database
from bot.home.view import home_view
from bot.keys import home_key
from bot.models import HomeView, utcnow

log = logging.getLogger(__name__)

SETTLE = timedelta(seconds=1)  # a burst of changes within this becomes one publish
BATCH = 50


def publish_home(
    session: Session, slack_id: str, *, settings: Settings, now: datetime | None = None
) -> None:
    """Queue `slack_id`'s Home now (app_home_opened), and remember it was published."""
    now = now or utcnow()
    _enqueue(session, slack_id, settings=settings, now=now)
    row = session.get(HomeView, slack_id, with_for_update=True)
    if row is not None:
        row.published_at, row.due_at = now, None
        return
    try:
        with session.begin_nested():
            session.add(HomeView(slack_id=slack_id, published_at=now, due_at=None))
    except IntegrityError:  # another process published it at the same moment
        pass


def _enqueue(session: Session, slack_id: str, *, settings: Settings, now: datetime) -> None:
    view = home_view(session, slack_id, settings=settings, now=now)
    outbox.enqueue(
        session,
        "views.publish",
        key=home_key(slack_id, uuid.uuid4().hex[:16]),
        user_id=slack_id,
        view=view,
    )


def owed_refreshes(concerned: ColumnElement[bool]) -> Select[str, datetime | None]:
    """Those `concerned` (a condition on `HomeView.slack_id`) who have a Home and no refresh
    owed yet, for `refresh_owed`: build it once, run it with parameters."""
    return select(HomeView.slack_id, HomeView.published_at).where(
        concerned, HomeView.due_at.is_(None)
    )


_OWED_BY_ID = owed_refreshes(HomeView.slack_id.in_(bindparam("ids", expanding=True)))
_OWE = (
    update(HomeView)
    .where(HomeView.slack_id == bindparam("home"), HomeView.due_at.is_(None))
    .values(due_at=bindparam("due"))
    .execution_options(synchronize_session=False)
)


def request_refresh(
    session: Session, slack_ids: Iterable[str], *, interval: timedelta, now: datetime | None = None
) -> None:
    """The Homes of `slack_ids` show something that changed: publish them again soon (only
    those who have a Home; a refresh already owed keeps its time)."""
    wanted = sorted(set(slack_ids))
    if wanted:
        refresh_owed(session, _OWED_BY_ID, {"ids": wanted}, interval=interval, now=now)


def refresh_owed(
    session: Session,
    owed: Select[str, datetime | None],
    params: dict[str, Any],
    *,
    interval: timedelta,
    now: datetime | None = None,
) -> None:
    """`request_refresh` for those `owed` (from `owed_refreshes`, run with `params`)."""
    now = now or utcnow()
    for slack_id, published_at in session.execute(owed, params).all():
        due = now + SETTLE
        if published_at is not None:
            due = max(due, published_at + interval)
        session.execute(_OWE, {"home": slack_id, "due": due})


def refresh_due(db: Database, settings: Settings, *, now: datetime | None = None) -> int:
    """Publish the Homes whose refresh is due; returns how many were published."""
    now = now or utcnow()
    with db.read_session() as session:
        due = list(
            session.scalars(
                select(HomeView.slack_id)
                .where(HomeView.due_at.is_not(None), HomeView.due_at <= now)
                .order_by(HomeView.due_at)
                .limit(BATCH)
            )
        )
    published = 0
    for slack_id in due:
        try:
            with db.session() as session:
                claimed = cast(
                    CursorResult[Any],
                    session.execute(
                        update(HomeView)
                        .where(
                            HomeView.slack_id == slack_id,
                            HomeView.due_at.is_not(None),
                            HomeView.due_at <= now,
                        )
                        .values(due_at=None, published_at=now)
                        .execution_options(synchronize_session=False)
                    ),
                ).rowcount
                if claimed == 1:
                    _enqueue(session, slack_id, settings=settings, now=now)
                    published += 1
        except Exception:
            log.exception("could not refresh a Home; it is retried on the next tick")
    return published
