"""Whose Home a change concerns, found where every change passes: the ORM's flush.

After each flush the rows written are noted in the session (`session.info`); just before the
transaction commits, the people whose Home shows them are asked for a refresh
(`bot.home.refresh.request_refresh`) in the same transaction, so a refresh is owed exactly
when the change is committed:
- a lead: its owner (and a previous owner), the owner's manager, and the marketers when it
  belongs to a campaign (its figures);
- feedback, a campaign or a "Got it": the marketers;
- a roster change: the person, their manager, and the admins (roster problems).
The admins' outbox figures are not followed (publishing is itself an outbox row); they are
as of the last publish, and opening the Home publishes it afresh.

Installed by `install(interval)` from the composition root; without it nothing is noted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, UOWTransaction, aliased

from bot.home.refresh import request_refresh
from bot.models import Campaign, CampaignRead, Feedback, Lead, Person
from bot.states import CampaignStatus

log = logging.getLogger(__name__)

_KEY = "home_changes"
_settings: dict[str, timedelta] = {}


@dataclass
class Noted:
    owners: set[str] = field(default_factory=set)
    people: set[int] = field(default_factory=set)  # roster ids whose manager must know too
    marketers: bool = False
    admins: bool = False

    def __bool__(self) -> bool:
        return bool(self.owners or self.people or self.marketers or self.admins)


def _previous(obj: Any, attribute: str) -> list[Any]:
    history = inspect(obj).attrs[attribute].history
    return [value for value in (history.deleted or ()) if value is not None]


def _note(session: Session, _flush: UOWTransaction) -> None:
    if not _settings:
        return
    noted: Noted = session.info.setdefault(_KEY, Noted())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Lead):
            noted.owners.update(o for o in (obj.owner_id, *_previous(obj, "owner_id")) if o)
            if obj.campaign_id is not None or _previous(obj, "campaign_id"):
                noted.marketers = True
        elif isinstance(obj, Feedback | Campaign | CampaignRead):
            noted.marketers = True
        elif isinstance(obj, Person):
            noted.admins = True
            if obj.id is not None:
                noted.people.add(obj.id)
            noted.people.update(_previous(obj, "manager_id"))
            if obj.manager_id is not None:
                noted.people.add(obj.manager_id)


def _concerned(session: Session, noted: Noted) -> set[str]:
    ids = set(noted.owners)
    manager = aliased(Person)
    rep = aliased(Person)
    if noted.owners:
        ids.update(
            session.scalars(
                select(manager.slack_id)
                .join(rep, rep.manager_id == manager.id)
                .where(rep.slack_id.in_(sorted(noted.owners)))
            )
        )
    if noted.people:
        ids.update(session.scalars(select(Person.slack_id).where(Person.id.in_(noted.people))))
    roles = (["marketer"] if noted.marketers else []) + (["admin"] if noted.admins else [])
    if roles:
        ids.update(session.scalars(select(Person.slack_id).where(Person.role.in_(roles))))
    if noted.marketers:
        ids.update(
            s
            for s in session.scalars(
                select(Campaign.created_by).where(
                    Campaign.status == CampaignStatus.ACTIVE, Campaign.created_by.is_not(None)
                )
            )
            if s
        )
    return ids


def _refresh(session: Session) -> None:
    if not _settings:
        return
    session.flush()  # the commit's own flush comes after this hook: note what it writes
    noted: Noted | None = session.info.pop(_KEY, None)
    if not noted:
        return
    try:
        with session.begin_nested():
            request_refresh(session, _concerned(session, noted), interval=_settings["interval"])
    except Exception:  # a Home refresh must never cost the change itself
        log.exception("could not note a Home refresh")
    session.info.pop(_KEY, None)  # what the refresh itself flushed


def _forget(session: Session, *_args: object) -> None:
    session.info.pop(_KEY, None)


def install(interval: timedelta) -> None:
    """Follow changes from now on, refreshing a person's Home at most once per `interval`."""
    _settings["interval"] = interval
    if not event.contains(Session, "after_flush", _note):
        event.listen(Session, "after_flush", _note)
        event.listen(Session, "before_commit", _refresh)
        event.listen(Session, "after_soft_rollback", _forget)


__all__ = ["install"]
