"""Lead intake, first half: parse and validate a JSON batch (POST /leads) or a CSV file
(`app.py leads import`) into `LeadInput`s. A batch is validated whole before anything is written;
every problem is named by item/line and field (`LeadValidationError`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from math import isfinite
from typing import Any

from bot.states import LeadStage
from bot.validation import (
    SLACK_USER_ID,
    FieldError,
    HugeNumber,
    checked_email,
    json_problem,
    json_size,
    normalise_code,
    normalise_email,
    parse_timestamp,
    safe_name,
    text_problem,
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
    "stage",
)
# Each text field's limit, the size of its database column (note is TEXT; 5000 is ours).
_TEXT_LIMITS = {
    "id": 200,
    "name": 300,
    "company": 300,
    "title": 300,
    "phone": 100,
    "source": 200,
    "note": 5000,
    "campaign": 80,
    "email": 320,
    "owner": 32,
    "owner_email": 320,
}
MAX_EXTRA_BYTES = 64 * 1024  # all of one lead's extra fields, as compact JSON


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
    stage: LeadStage | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # The payload's own field names that were present: a re-sent lead changes only these.
    present: frozenset[str] = frozenset()


def _text(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise FieldError(name, "must be a string")
    problem = text_problem(value)
    if problem:
        raise FieldError(name, problem)
    value = value.strip()
    limit = _TEXT_LIMITS.get(name)
    if limit is not None and len(value) > limit:
        raise FieldError(name, f"is longer than {limit} characters")
    return value or None


def _email(value: Any, name: str) -> str | None:
    address = _text(value, name)
    if address is None:
        return None
    canonical, problem = checked_email(address)
    if problem or canonical is None:
        raise FieldError(name, problem or "is not an email address")
    return canonical


def _score(value: Any) -> int | None:
    """A number rounded to the nearest whole number, halves up (79.5 -> 80), then 0-100."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FieldError("score", "must be a number from 0 to 100")
    if isinstance(value, float) and not isfinite(value):
        raise FieldError("score", "must be a number from 0 to 100")
    if not -1 < value < 101:  # far out of range: refuse before rounding (Decimal's precision)
        raise FieldError("score", "must be from 0 to 100 (after rounding to a whole number)")
    rounded = int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if not 0 <= rounded <= 100:
        raise FieldError("score", "must be from 0 to 100 (after rounding to a whole number)")
    return rounded


STAGE_CHOICES = ", ".join(stage.value for stage in LeadStage)


def _stage(value: Any) -> LeadStage | None:
    """One of the seven stages, in any case (`Won`, `won`)."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return LeadStage(value.strip().lower())
        except ValueError:
            pass
    raise FieldError("stage", f"must be one of {STAGE_CHOICES}")


def _extra(data: dict[str, Any]) -> dict[str, Any]:
    """The fields Handoff does not know, kept as given if they can be stored as JSON."""
    extra = {k: v for k, v in data.items() if k not in FIELDS}
    sizes: dict[str, int] = {}
    for key, value in extra.items():
        problem = text_problem(key)
        if problem:
            raise FieldError(safe_name(key), f"the field's name {problem}")
        problem = json_problem(value)
        if problem:
            raise FieldError(safe_name(key), problem)
        sizes[key] = json_size({key: value})
    if sum(sizes.values()) > MAX_EXTRA_BYTES:
        largest = max(sizes, key=lambda k: sizes[k])
        raise FieldError(
            safe_name(largest),
            f"the extra fields take over {MAX_EXTRA_BYTES} bytes of JSON together; "
            f"this one takes {sizes[largest]}",
        )
    return extra


def parse_lead(data: Any) -> LeadInput:
    """One lead from a JSON object; raises FieldError on the first bad field."""
    if not isinstance(data, dict):
        raise FieldError(None, "each lead must be a JSON object")
    raw_id = data.get("id")
    if isinstance(raw_id, HugeNumber):
        raise FieldError("id", "is longer than 200 characters")
    if isinstance(raw_id, int) and not isinstance(raw_id, bool):
        raw_id = str(raw_id)
    if not isinstance(raw_id, str) or not raw_id.strip():
        raise FieldError("id", "is required: the source system's id for this lead, as a string")
    external_id = _text(raw_id, "id") or ""
    name = _text(data.get("name"), "name")
    if not name:
        raise FieldError("name", "is required")
    lead = LeadInput(external_id=external_id, name=name)
    for key in ("company", "title", "phone", "source", "note"):
        setattr(lead, key, _text(data.get(key), key))
    lead.email = _email(data.get("email"), "email")
    code = _text(data.get("campaign"), "campaign")
    lead.campaign_code = normalise_code(code) if code else None
    if lead.campaign_code and len(lead.campaign_code) > _TEXT_LIMITS["campaign"]:
        raise FieldError("campaign", "is longer than 80 characters once lower-cased")
    lead.score = _score(data.get("score"))
    hot = data.get("hot")
    if hot is not None and not isinstance(hot, bool):
        raise FieldError("hot", "must be true or false")
    lead.hot_flag = hot
    owner = _text(data.get("owner"), "owner")
    if owner is not None and not SLACK_USER_ID.match(owner):
        raise FieldError("owner", "must be a Slack user ID like U0123ABCD")
    lead.owner_id = owner
    owner_email = _email(data.get("owner_email"), "owner_email")
    lead.owner_email = normalise_email(owner_email) if owner_email else None
    if lead.owner_email and len(lead.owner_email) > _TEXT_LIMITS["owner_email"]:
        raise FieldError("owner_email", "is longer than 320 characters once lower-cased")
    created = data.get("created_at")
    if created is not None:
        if not isinstance(created, str):
            raise FieldError("created_at", "must be an ISO 8601 date-time string")
        try:
            lead.created_at = parse_timestamp(created)
        except ValueError:
            raise FieldError(
                "created_at", "is not an ISO 8601 date-time between the years 1900 and 2999"
            ) from None
    lead.stage = _stage(data.get("stage"))
    lead.extra = _extra(data)
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
    first_index: dict[str, int] = {}
    for index, item in enumerate(items):
        try:
            lead = parse_lead(item)
        except FieldError as exc:
            errors.append({"index": index, "field": exc.field, "error": exc.message})
            continue
        # The same lead twice in one request would be applied twice, in order (alerting one
        # owner, then handing the lead to another): refuse the batch instead.
        seen = first_index.setdefault(lead.external_id, index)
        if seen != index:
            errors.append({"index": index, "field": "id", "error": f"duplicate of index {seen}"})
        leads.append(lead)
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
    first_line: dict[str, int] = {}
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
                lead = parse_lead(data)
            except FieldError as exc:
                errors.append({"line": line, "field": exc.field, "error": exc.message})
                continue
            seen = first_line.setdefault(lead.external_id, line)
            if seen != line:
                errors.append({"line": line, "field": "id", "error": f"duplicate of line {seen}"})
            leads.append(lead)
    except csv.Error as exc:
        errors.append({"line": reader.line_num, "field": None, "error": f"not valid CSV ({exc})"})
    if errors:
        raise LeadValidationError(errors)
    return leads


__all__ = [
    "MAX_BATCH",
    "LeadInput",
    "LeadValidationError",
    "parse_batch",
    "parse_csv",
]
