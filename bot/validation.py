"""Small validators shared by the lead intake and the CSV importers."""

from __future__ import annotations

import re
from datetime import UTC, datetime

EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")


class FieldError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def normalise_email(value: str) -> str:
    return value.strip().lower()


def parse_timestamp(text: str) -> datetime:
    """ISO 8601 (a trailing Z allowed); a time without an offset is taken as UTC."""
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    moment = datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def normalise_code(value: str) -> str:
    """Campaign codes compare case-insensitively and without surrounding blanks."""
    return value.strip().lower()
