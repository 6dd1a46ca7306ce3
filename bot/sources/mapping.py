"""From a source's payload to the native lead dicts, keeping where each field came from.

Each kind (`bot.sources.kinds`) turns its payload into `Mapped` items: the native `/leads`
fields plus the source path of each. `validate` runs them through the native validation
(`bot.leads.validate.parse_lead`), so every source refuses the same things as `/leads`, and
names both the lead field and the source path in each error (422)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.leads.validate import LeadInput, parse_lead
from bot.states import LeadStage
from bot.validation import FieldError, HugeNumber

MISSING = object()


class BadPayload(Exception):
    """The body is JSON/XML but not the shape the source expects (answered 400 or 422)."""

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


@dataclass
class Mapped:
    """One lead as native fields, with the source path each came from."""

    data: dict[str, Any] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
    # The CRM owner id (a roster `crm_id`), resolved to `owner` by the intake.
    crm_owner: str | None = None
    owner_email: str | None = None
    # The record's last change as sent (Salesforce), so an older copy never wins.
    modified_at: datetime | None = None
    # A delivery id to deduplicate on (a Salesforce notification Id).
    delivery: str | None = None

    def put(self, name: str, value: Any, path: str) -> None:
        self.paths[name] = path
        if value is not None and value != "":
            self.data[name] = value


def dig(data: Any, path: str) -> Any:
    """The value at a dotted path (`data.emails.0.value`); MISSING when absent."""
    current = data
    for part in path.split("."):
        if isinstance(current, dict):
            if part not in current:
                return MISSING
            current = current[part]
        elif isinstance(current, list) and part.isdigit():
            index = int(part)
            if index >= len(current):
                return MISSING
            current = current[index]
        else:
            return MISSING
    return current


def as_text(value: Any) -> Any:
    """CRM values come as strings or numbers; ids and names are text."""
    if isinstance(value, bool) or value is MISSING:
        return None if value is MISSING else value
    if isinstance(value, int | float) and not isinstance(value, HugeNumber):
        return str(value)
    return value


def as_score(value: Any) -> Any:
    """HubSpot sends numbers as strings ("42"): a numeric string is a number."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            return float(text) if any(c in text for c in ".eE") else int(text)
        except ValueError:
            return value
    return value


def joined(values: list[Any]) -> Any:
    parts = [v.strip() for v in values if isinstance(v, str) and v.strip()]
    if parts:
        return " ".join(parts)
    others = [v for v in values if v is not None and not isinstance(v, str)]
    return others[0] if others else None


def stage_of(values: list[Any], stages: Mapping[str, LeadStage]) -> str | None:
    """The first CRM value that maps to a stage beyond `new` (a CRM re-sending NEW never moves
    a lead back); unknown values are ignored."""
    for value in values:
        if isinstance(value, str):
            stage = stages.get(value.strip().lower())
            if stage is not None and stage is not LeadStage.NEW:
                return stage.value
    return None


def validate(items: list[Mapped], owners: Mapping[str, str]) -> list[LeadInput]:
    """The leads, or LeadValidationError listing each problem with its field and path.
    `owners` maps CRM owner ids to Slack user IDs (the roster's `crm_id`)."""
    from bot.leads.validate import MAX_BATCH, LeadValidationError

    if len(items) > MAX_BATCH:
        raise LeadValidationError(
            [{"index": None, "field": None, "path": None, "error": f"over {MAX_BATCH} leads"}]
        )
    leads, errors = [], []
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        data = dict(item.data)
        if "name" not in data and "email" in data:
            data["name"] = data["email"]
            item.paths.setdefault("name", item.paths.get("email", "email"))
        if item.crm_owner and "owner" not in data:
            slack_id = owners.get(item.crm_owner)
            if slack_id:
                data["owner"] = slack_id
            elif item.owner_email and "owner_email" not in data:
                data["owner_email"] = item.owner_email
        try:
            lead = parse_lead(data)
        except FieldError as exc:
            name = exc.field
            missing = name is not None and data.get(name) is None
            errors.append(
                {
                    "index": index,
                    "field": name,
                    "path": item.paths.get(name or "", None),
                    "error": "missing" if missing else exc.message,
                }
            )
            continue
        seen = first.setdefault(lead.external_id, index)
        if seen != index:
            errors.append(
                {
                    "index": index,
                    "field": "id",
                    "path": item.paths.get("id"),
                    "error": f"duplicate of index {seen}",
                }
            )
        leads.append(lead)
    if errors:
        raise LeadValidationError(errors)
    return leads


__all__ = ["MISSING", "BadPayload", "Mapped", "dig", "stage_of", "validate"]
