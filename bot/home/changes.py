"""Whose Home a change concerns, found where every change passes: the ORM's flush.

As rows are flushed, the mappers' events note them in the session (`session.info`); just before the
transaction commits, the people whose Home shows them are asked for a refresh
(`bot.home.refresh.refresh_owed`) in the same transaction, so a refresh is owed exactly
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
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, bindparam, event, or_, select, union_all
from sqlalchemy.orm import InstanceState, Mapper, Session, SessionTransaction, aliased
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.orm.base import NO_VALUE

from bot.home.refresh import owed_refreshes, refresh_owed
from bot.models import Campaign, CampaignRead, Feedback, HomeView, Lead, Person
from bot.states import CampaignStatus

log = logging.getLogger(__name__)

_KEY = "home_changes"
_settings: dict[str, timedelta] = {}
# Built once: a fresh alias per call made each commit build its statement anew (0.5 ms).
_MANAGER = aliased(Person, name="manager")
_REP = aliased(Person, name="rep")


@dataclass
class Noted:
    owners: set[str] = field(default_factory=set)
    people: set[int] = field(default_factory=set)  # roster ids whose manager must know too
    marketers: bool = False
    admins: bool = False

    def __bool__(self) -> bool:
        return bool(self.owners or self.people or self.marketers or self.admins)


def _previous(state: InstanceState[Any], attribute: str) -> Any:
    """The value `attribute` had before this flush changed it (None when unchanged or new),
    from the committed state: far cheaper than attribute history, for each row written."""
    value = state.committed_state.get(attribute)
    return None if value is NO_VALUE else value


def _noted(target: object) -> tuple[Noted, InstanceState[Any]] | None:
    state = instance_state(target)
    session = state.session
    if session is None or not _settings:
        return None
    return _noted_in(session), state


def _noted_in(session: Session) -> Noted:
    noted = session.info.get(_KEY)
    if noted is None:
        noted = session.info[_KEY] = Noted()
    return noted


def leads_inserted(session: Session, owners: Iterable[str], in_campaign: bool) -> None:
    """New leads written past the ORM's flush (intake's one Core insert), noted as the flush
    would note them: their owners' queues, and the marketers' figures if any belongs to a
    campaign."""
    if not _settings:
        return
    noted = _noted_in(session)
    noted.owners.update(owner for owner in owners if owner)
    noted.marketers = noted.marketers or in_campaign


def _lead_written(_mapper: Mapper[Any], _connection: Connection, lead: Lead) -> None:
    found = _noted(lead)
    if found is None:
        return
    noted, state = found
    for owner in (lead.owner_id, _previous(state, "owner_id")):
        if owner:
            noted.owners.add(owner)
    if not noted.marketers and (
        lead.campaign_id is not None or _previous(state, "campaign_id") is not None
    ):
        noted.marketers = True


def _marketing_written(_mapper: Mapper[Any], _connection: Connection, row: object) -> None:
    found = _noted(row)
    if found is not None:
        found[0].marketers = True


def _person_written(_mapper: Mapper[Any], _connection: Connection, someone: Person) -> None:
    found = _noted(someone)
    if found is None:
        return
    noted, state = found
    noted.admins = True
    for person_id in (someone.id, someone.manager_id, _previous(state, "manager_id")):
        if person_id is not None:
            noted.people.add(person_id)


# Per row written (the mappers' events cost nothing for rows of other tables, and nothing
# grows with the size of the session, unlike scanning `session.dirty` at every flush).
_LISTENERS: tuple[tuple[type, Any], ...] = (
    (Lead, _lead_written),
    (Feedback, _marketing_written),
    (Campaign, _marketing_written),
    (CampaignRead, _marketing_written),
    (Person, _person_written),
)


_Shape = tuple[bool, bool, bool, bool]  # owners, people, marketers, admins
# Whose Home a commit concerns, one statement per shape of what was noted, built once: the
# hook runs at every commit that touches a lead (one round trip, and nothing to build).
_OWED: dict[_Shape, Select[str, datetime | None]] = {}


def _concerned(shape: _Shape) -> Select[str, datetime | None]:
    """Those whose Home shows what was noted: the owners (:owners) and their managers, the
    people changed on the roster (:people), the marketers and active campaigns' authors, the
    admins; who of them has a Home with no refresh owed yet."""
    owners, people, marketers, admins = shape
    manager, rep = _MANAGER, _REP
    who: list[Select[Any]] = []
    if owners:
        who.append(
            select(manager.slack_id)
            .join(rep, rep.manager_id == manager.id)
            .where(rep.slack_id.in_(bindparam("owners", expanding=True)))
        )
    if people:
        who.append(
            select(Person.slack_id).where(Person.id.in_(bindparam("people", expanding=True)))
        )
    roles = (["marketer"] if marketers else []) + (["admin"] if admins else [])
    if roles:
        who.append(select(Person.slack_id).where(Person.role.in_(roles)))
    if marketers:
        who.append(
            select(Campaign.created_by).where(
                Campaign.status == CampaignStatus.ACTIVE, Campaign.created_by.is_not(None)
            )
        )
    concerned = [HomeView.slack_id.in_(bindparam("owners", expanding=True))] if owners else []
    if who:
        concerned.append(HomeView.slack_id.in_(union_all(*who) if len(who) > 1 else who[0]))
    return owed_refreshes(or_(*concerned))


def _request(session: Session, noted: Noted) -> None:
    shape = (bool(noted.owners), bool(noted.people), noted.marketers, noted.admins)
    owed = _OWED.get(shape)
    if owed is None:
        owed = _OWED[shape] = _concerned(shape)
    params = {"owners": sorted(noted.owners), "people": sorted(noted.people)}
    refresh_owed(session, owed, params, interval=_settings["interval"])


def _refresh(session: Session) -> None:
    # before_commit also fires as each SAVEPOINT is released: note once, at the real commit.
    if not _settings or session.in_nested_transaction():
        return
    session.flush()  # the commit's own flush comes after this hook: note what it writes
    noted: Noted | None = session.info.pop(_KEY, None)
    if not noted:
        return
    try:
        with session.begin_nested():
            _request(session, noted)
    except Exception:  # a Home refresh must never cost the change itself
        log.exception("could not note a Home refresh")
    session.info.pop(_KEY, None)  # what the refresh itself flushed


def _forget(session: Session, previous: SessionTransaction) -> None:
    """The transaction was rolled back: nothing it noted happened. A SAVEPOINT rolled back
    (a duplicate refused, say) leaves what was noted before it: a Home refreshed once too
    often costs little, one left stale misleads."""
    if previous.parent is None:  # the whole transaction, not a SAVEPOINT or a flush within
        session.info.pop(_KEY, None)


def install(interval: timedelta) -> None:
    """Follow changes from now on, refreshing a person's Home at most once per `interval`."""
    _settings["interval"] = interval
    if not event.contains(Session, "before_commit", _refresh):
        for model, listener in _LISTENERS:
            for kind in ("after_insert", "after_update", "after_delete"):
                event.listen(model, kind, listener)
        event.listen(Session, "before_commit", _refresh)
        event.listen(Session, "after_soft_rollback", _forget)


__all__ = ["install", "leads_inserted"]
