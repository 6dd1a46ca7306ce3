"""Lead intake, second half: owner matching and the idempotent upsert of a validated batch
(`save_leads`), applied in the caller's one transaction. Each `LeadChange` tells the alerts
(`bot.leads.listener`) what happened to a lead.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from bot.leads import stages
from bot.leads.validate import LeadInput
from bot.models import Campaign, Lead, utcnow
from bot.states import AssignedHow, StageSource


@dataclass
class LeadChange:
    """What happened to one lead in a batch, for whoever reacts (alerts)."""

    lead: Lead
    created: bool
    previous_owner: str | None
    became_hot: bool
    # The stage it was at before this batch moved it (None: the stage did not change).
    stage_from: str | None = None


@dataclass
class IntakeResult:
    accepted: int = 0
    updated: int = 0
    duplicates: int = 0
    hot: int = 0
    # What listeners react to: every lead updated, and every new lead that is hot or moves
    # stage. A new cold lead has nothing to react to: it is stored and counted, and listed
    # only in `new_cold_ids` (no ORM object is built for it: most of a batch).
    changes: list[LeadChange] = field(default_factory=list)
    new_cold_ids: set[str] = field(default_factory=set)
    # New leads go in with a Core insert, past the ORM's flush events: who they concern.
    new_owners: set[str] = field(default_factory=set)
    new_in_campaign: bool = False

    def counts(self) -> dict[str, int]:
        return {
            "accepted": self.accepted,
            "updated": self.updated,
            "duplicates": self.duplicates,
            "hot": self.hot,
        }


LEADS = cast(Table, Lead.__table__)

# Which payload field(s) each stored column comes from.
_COLUMN_FIELD = {
    "name": {"name"},
    "email": {"email"},
    "company": {"company"},
    "title": {"title"},
    "phone": {"phone"},
    "campaign_code": {"campaign"},
    "campaign_id": {"campaign"},
    "score": {"score"},
    "hot_flag": {"hot"},
    "owner_id": {"owner", "owner_email"},
    "owner_email": {"owner_email"},
    "owner_pending": {"owner", "owner_email"},
    "source": {"source"},
    "note": {"note"},
    "extra": set(),
}


def owner_emails_to_resolve(leads: Iterable[LeadInput]) -> set[str]:
    return {lead.owner_email for lead in leads if lead.owner_email and not lead.owner_id}


def _chosen_in_handoff(lead: Lead) -> bool:
    """Whether the lead's current owner was chosen in Handoff rather than named by the CRM."""
    return lead.owner_id is not None and lead.assigned_how not in (None, AssignedHow.CRM)


def _owner_of(
    item: LeadInput,
    lead: Lead | None,
    owner_for_email: Callable[[str], str | None],
    unknown_emails: Collection[str],
) -> tuple[str | None, bool]:
    """The lead's owner and whether it is still to be looked up in Slack (`owner_pending`).

    Naming no owner leaves one Handoff chose (round robin, a claim, a reassignment in Slack):
    the CRM never knew of that owner, so its empty owner field changes nothing. Only an owner
    the CRM itself named is un-assigned by it."""
    if item.owner_id or not item.owner_email:
        if item.owner_id is None and lead is not None and _chosen_in_handoff(lead):
            return lead.owner_id, False
        return item.owner_id, False
    if item.owner_email not in unknown_emails:
        return owner_for_email(item.owner_email), False
    if lead is not None and lead.owner_email == item.owner_email:
        return lead.owner_id, lead.owner_pending and lead.owner_id is None  # same address: keep
    return None, True


def save_leads(
    session: Session,
    leads: list[LeadInput],
    *,
    hot_score: int,
    owner_for_email: Callable[[str], str | None] = lambda _email: None,
    unknown_emails: Collection[str] = (),
    stage_by: str | None = None,
) -> IntakeResult:
    """Upsert a validated batch in the caller's transaction. Same id again: update, no new lead.

    `owner_for_email` answers for owner_emails already known (roster, lookup cache); one in
    `unknown_emails` leaves the lead without an owner and `owner_pending` (Slack is asked
    later, see bot.leads.owners), unless the lead already has that address. A lead's `stage`
    moves it in its history as made by the source named `stage_by` (None: "the CRM")."""
    result = IntakeResult()
    ids = list(dict.fromkeys(lead.external_id for lead in leads))
    existing: dict[str, Lead] = {}
    for chunk_start in range(0, len(ids), 400):
        chunk = ids[chunk_start : chunk_start + 400]
        existing.update(
            (lead.external_id, lead)
            for lead in session.scalars(select(Lead).where(Lead.external_id.in_(chunk)))
        )
    codes = {lead.campaign_code for lead in leads if lead.campaign_code}
    campaigns = (
        {c.code: c for c in session.scalars(select(Campaign).where(Campaign.code.in_(codes)))}
        if codes
        else {}
    )
    now = utcnow()
    # New leads are inserted together (one executemany, far cheaper than
    # the ORM adding them one by one); each keeps its place among the batch's changes.
    changes: list[LeadChange | None] = []
    pending: dict[str, tuple[int, dict[str, Any], bool]] = {}

    def insert_pending() -> None:
        if not pending:
            return
        rows = list(pending.values())
        result.new_owners.update(row["owner_id"] for _, row, _ in rows if row["owner_id"])
        result.new_in_campaign |= any(row["campaign_id"] is not None for _, row, _ in rows)
        # A plain Core executemany (the ORM's bulk insert only adds per-row bookkeeping here:
        # no mapper events fire either way), then one read of the rows: on SQLite a third
        # faster than INSERT ... RETURNING of whole entities.
        session.connection().execute(insert(LEADS), [row for _, row, _ in rows])
        # Only a lead that will be alerted or moved is read back, whole: nothing reacts to a
        # new cold lead (most of a batch), so no ORM object is built for it.
        ids = [row["external_id"] for _, row, full in rows if full]
        created: dict[str, Lead] = {}
        for start in range(0, len(ids), 400):
            created.update(
                (lead.external_id, lead)
                for lead in session.scalars(
                    select(Lead).where(Lead.external_id.in_(ids[start : start + 400]))
                )
            )
        for index, row, full in rows:
            if full:
                lead = created[row["external_id"]]
                existing[lead.external_id] = lead
                changes[index] = LeadChange(lead, True, None, lead.hot)
            else:
                result.new_cold_ids.add(row["external_id"])
        pending.clear()

    # Leads whose stage this batch moves, by their place among the changes.
    moves: list[tuple[int, LeadInput]] = []
    for item in leads:
        if item.external_id in pending:  # the same id twice in one batch: an update of it
            insert_pending()
        lead = existing.get(item.external_id)
        if lead is None and item.external_id in result.new_cold_ids:  # sent twice: read it now
            lead = session.scalar(select(Lead).where(Lead.external_id == item.external_id))
            result.new_cold_ids.discard(item.external_id)
            if lead is not None:
                existing[item.external_id] = lead
        owner, owner_pending = _owner_of(item, lead, owner_for_email, unknown_emails)
        campaign = campaigns.get(item.campaign_code) if item.campaign_code else None
        values: dict[str, Any] = {
            "name": item.name,
            "email": item.email,
            "company": item.company,
            "title": item.title,
            "phone": item.phone,
            "campaign_code": item.campaign_code,
            "campaign_id": campaign.id if campaign else None,
            "score": item.score,
            "hot_flag": item.hot_flag,
            "owner_id": owner,
            "owner_email": item.owner_email,
            "owner_pending": owner_pending,
            "source": item.source,
            "note": item.note,
            "extra": item.extra,
        }
        threshold = campaign.hot_score if campaign and campaign.hot_score is not None else hot_score
        if lead is None:
            hot = bool(item.hot_flag) or (item.score is not None and item.score >= threshold)
            row = {
                "external_id": item.external_id,
                "created_at": item.created_at or now,
                "received_at": now,
                "updated_at": now,
                "hot": hot,
                **values,
            }
            moved = item.stage is not None and item.stage.touched
            pending[item.external_id] = (len(changes), row, hot or moved)
            changes.append(None)
            result.accepted += 1
            result.hot += hot
            if moved:
                moves.append((len(changes) - 1, item))
            continue
        if "campaign" not in item.present and lead.campaign_id is not None:
            known = session.get(Campaign, lead.campaign_id)
            if known is not None and known.hot_score is not None:
                threshold = known.hot_score
        values = {k: v for k, v in values.items() if _COLUMN_FIELD[k] & item.present}
        if item.extra:
            values["extra"] = {**lead.extra, **item.extra}
        if item.created_at is not None:
            values["created_at"] = item.created_at
        changed = {k: v for k, v in values.items() if getattr(lead, k) != v}
        stage_moves = item.stage is not None and item.stage != lead.stage
        hot_flag = item.hot_flag if "hot" in item.present else lead.hot_flag
        score = changed.get("score", lead.score) if "score" in item.present else lead.score
        hot_now = bool(hot_flag) or (score is not None and score >= threshold)
        if hot_now != lead.hot:
            changed["hot"] = hot_now
        if not changed and not stage_moves:
            result.duplicates += 1
            continue
        previous_owner, was_hot = lead.owner_id, lead.hot
        for key, value in changed.items():
            setattr(lead, key, value)
        result.updated += 1
        if stage_moves:
            moves.append((len(changes), item))
        changes.append(LeadChange(lead, False, previous_owner, lead.hot and not was_hot))
    insert_pending()
    session.flush()
    for index, item in moves:
        change = changes[index]
        assert change is not None and item.stage is not None
        change.stage_from = change.lead.stage
        stages.move(session, change.lead, item.stage, at=now, by_kind=StageSource.CRM, by=stage_by)
    result.changes = [change for change in changes if change is not None]
    return result


__all__ = ["IntakeResult", "LeadChange", "owner_emails_to_resolve", "save_leads"]
