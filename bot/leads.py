"""Lead intake: validation, owner matching and the idempotent upsert behind POST /leads and
`app.py leads import`.

A batch is validated whole before anything is written, then applied in one transaction.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Campaign, Lead, utcnow
from bot.validation import (
    EMAIL,
    SLACK_USER_ID,
    FieldError,
    normalise_code,
    normalise_email,
    parse_timestamp,
)

MAX_BATCH = 500
FIELDS = (
    "id",
    "name",
    "email",
    "company",
    "title",
    "phone",
    "campaign",
    "score",
    "hot",
    "owner",
    "owner_email",
    "source",
    "note",
    "created_at",
)
_TEXT_LIMITS = {
    "name": 300,
    "company": 300,
    "title": 300,
    "phone": 100,
    "source": 200,
    "note": 5000,
    "campaign": 80,
}


class LeadValidationError(Exception):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the leads")
        self.errors = errors


@dataclass
class LeadInput:
    external_id: str
    name: str
    email: str | None = None
    company: str | None = None
    title: str | None = None
    phone: str | None = None
    campaign_code: str | None = None
    score: int | None = None
    hot_flag: bool | None = None
    owner_id: str | None = None
    owner_email: str | None = None
    source: str | None = None
    note: str | None = None
    created_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # The payload's own field names that were present: a re-sent lead changes only these.
    present: frozenset[str] = frozenset()


@dataclass
class LeadChange:
    """What happened to one lead in a batch, for whoever reacts (alerts)."""

    lead: Lead
    created: bool
    previous_owner: str | None
    became_hot: bool


@dataclass
class IntakeResult:
    accepted: int = 0
    updated: int = 0
    duplicates: int = 0
    hot: int = 0
    changes: list[LeadChange] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "accepted": self.accepted,
            "updated": self.updated,
            "duplicates": self.duplicates,
            "hot": self.hot,
        }


def _text(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise FieldError(name, "must be a string")
    value = value.strip()
    limit = _TEXT_LIMITS.get(name)
    if limit is not None and len(value) > limit:
        raise FieldError(name, f"is longer than {limit} characters")
    return value or None


def parse_lead(data: Any) -> LeadInput:
    """One lead from a JSON object; raises FieldError on the first bad field."""
    if not isinstance(data, dict):
        raise FieldError("", "each lead must be a JSON object")
    raw_id = data.get("id")
    if isinstance(raw_id, int) and not isinstance(raw_id, bool):
        raw_id = str(raw_id)
    if not isinstance(raw_id, str) or not raw_id.strip():
        raise FieldError("id", "is required: the source system's id for this lead, as a string")
    if len(raw_id) > 200:
        raise FieldError("id", "is longer than 200 characters")
    name = _text(data.get("name"), "name")
    if not name:
        raise FieldError("name", "is required")
    lead = LeadInput(external_id=raw_id.strip(), name=name)
    for key in ("company", "title", "phone", "source", "note"):
        setattr(lead, key, _text(data.get(key), key))
    email = _text(data.get("email"), "email")
    if email is not None and not EMAIL.match(email):
        raise FieldError("email", "is not an email address")
    lead.email = email
    code = _text(data.get("campaign"), "campaign")
    lead.campaign_code = normalise_code(code) if code else None
    score = data.get("score")
    if score is not None:
        if isinstance(score, bool) or not isinstance(score, int | float):
            raise FieldError("score", "must be a number from 0 to 100")
        if not 0 <= score <= 100:
            raise FieldError("score", "must be from 0 to 100")
        lead.score = round(score)
    hot = data.get("hot")
    if hot is not None and not isinstance(hot, bool):
        raise FieldError("hot", "must be true or false")
    lead.hot_flag = hot
    owner = _text(data.get("owner"), "owner")
    if owner is not None and not SLACK_USER_ID.match(owner):
        raise FieldError("owner", "must be a Slack user ID like U0123ABCD")
    lead.owner_id = owner
    owner_email = _text(data.get("owner_email"), "owner_email")
    if owner_email is not None and not EMAIL.match(owner_email):
        raise FieldError("owner_email", "is not an email address")
    lead.owner_email = normalise_email(owner_email) if owner_email else None
    created = data.get("created_at")
    if created is not None:
        if not isinstance(created, str):
            raise FieldError("created_at", "must be an ISO 8601 date-time string")
        try:
            lead.created_at = parse_timestamp(created)
        except ValueError:
            raise FieldError("created_at", "is not an ISO 8601 date-time") from None
    lead.extra = {k: v for k, v in data.items() if k not in FIELDS}
    lead.present = frozenset(k for k in data if k in FIELDS)
    return lead


def parse_batch(payload: Any) -> list[LeadInput]:
    """A JSON object or an array of up to 500; raises LeadValidationError listing every error."""
    items = payload if isinstance(payload, list) else [payload]
    if isinstance(payload, list) and not payload:
        raise LeadValidationError([{"index": None, "field": None, "error": "the array is empty"}])
    if len(items) > MAX_BATCH:
        raise LeadValidationError(
            [
                {
                    "index": None,
                    "field": None,
                    "error": f"{len(items)} leads in one request; send at most {MAX_BATCH}",
                }
            ]
        )
    leads, errors = [], []
    for index, item in enumerate(items):
        try:
            leads.append(parse_lead(item))
        except FieldError as exc:
            errors.append({"index": index, "field": exc.field or None, "error": exc.message})
    if errors:
        raise LeadValidationError(errors)
    return leads


CSV_BOOL = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def parse_csv(text: str) -> list[LeadInput]:
    """Leads from CSV with the webhook's field names as header; errors name the line."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "id" not in reader.fieldnames or "name" not in reader.fieldnames:
        raise LeadValidationError(
            [{"line": 1, "field": None, "error": "the header must include id and name"}]
        )
    leads, errors = [], []
    try:
        for row in reader:
            line = reader.line_num
            if None in row:
                errors.append({"line": line, "field": None, "error": "more cells than headers"})
                continue
            data: dict[str, Any] = {k.strip(): v for k, v in row.items() if v not in (None, "")}
            try:
                if "score" in data:
                    try:
                        data["score"] = float(data["score"])
                    except ValueError:
                        raise FieldError("score", "must be a number from 0 to 100") from None
                if "hot" in data:
                    if data["hot"].strip().lower() not in CSV_BOOL:
                        raise FieldError("hot", "must be true or false")
                    data["hot"] = CSV_BOOL[data["hot"].strip().lower()]
                leads.append(parse_lead(data))
            except FieldError as exc:
                errors.append({"line": line, "field": exc.field or None, "error": exc.message})
    except csv.Error as exc:
        errors.append({"line": reader.line_num, "field": None, "error": f"not valid CSV ({exc})"})
    if errors:
        raise LeadValidationError(errors)
    return leads


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


def _owner_of(
    item: LeadInput,
    lead: Lead | None,
    owner_for_email: Callable[[str], str | None],
    unknown_emails: Collection[str],
) -> tuple[str | None, bool]:
    """The lead's owner and whether it is still to be looked up in Slack (`owner_pending`)."""
    if item.owner_id or not item.owner_email:
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
) -> IntakeResult:
    """Upsert a validated batch in the caller's transaction. Same id again: update, no new lead.

    `owner_for_email` answers for owner_emails already known (roster, lookup cache); one in
    `unknown_emails` leaves the lead without an owner and `owner_pending` (Slack is asked
    later, see bot.owners), unless the lead already has that address."""
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
    for item in leads:
        lead = existing.get(item.external_id)
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
            lead = Lead(
                external_id=item.external_id,
                created_at=item.created_at or now,
                received_at=now,
                **values,
            )
            lead.hot = bool(item.hot_flag) or (item.score is not None and item.score >= threshold)
            session.add(lead)
            existing[item.external_id] = lead
            result.accepted += 1
            result.hot += lead.hot
            result.changes.append(LeadChange(lead, True, None, lead.hot))
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
        hot_flag = item.hot_flag if "hot" in item.present else lead.hot_flag
        score = changed.get("score", lead.score) if "score" in item.present else lead.score
        hot_now = bool(hot_flag) or (score is not None and score >= threshold)
        if hot_now != lead.hot:
            changed["hot"] = hot_now
        if not changed:
            result.duplicates += 1
            continue
        previous_owner, was_hot = lead.owner_id, lead.hot
        for key, value in changed.items():
            setattr(lead, key, value)
        result.updated += 1
        result.changes.append(LeadChange(lead, False, previous_owner, lead.hot and not was_hot))
    session.flush()
    return result


__all__ = [
    "MAX_BATCH",
    "IntakeResult",
    "LeadChange",
    "LeadInput",
    "LeadValidationError",
    "owner_emails_to_resolve",
    "parse_batch",
    "parse_csv",
    "save_leads",
]
