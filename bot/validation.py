"""Small validators shared by the lead intake and the CSV importers.

Everything here answers "can this ever be stored and shown?": a value that fails is refused
with a message naming the problem (a 400 or a 422), never left to fail later in the database,
where it would look like a temporary outage.
"""

from __future__ import annotations

import functools
import json
import math
import re
from datetime import UTC, datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email

EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")

MAX_EMAIL = 320  # the database column; email-validator's own limit (254) is stricter
MAX_INT_DIGITS = 4300  # Python's int <-> str conversion limit
MAX_JSON_DEPTH = 32  # arrays/objects inside one extra field
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999


class FieldError(ValueError):
    """A bad field (`field` None: the item itself, for example not an object)."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class BodyError(ValueError):
    """The request body cannot be read as JSON at all (answered 400)."""


class HugeNumber:
    """Stands in for a JSON integer with more digits than Python converts (MAX_INT_DIGITS)."""

    def __init__(self, digits: int) -> None:
        self.digits = digits

    def __repr__(self) -> str:
        return f"HugeNumber({self.digits} digits)"


def _parse_int(text: str) -> int | HugeNumber:
    digits = len(text.lstrip("-"))
    return int(text) if digits <= MAX_INT_DIGITS else HugeNumber(digits)


def parse_json_body(body: bytes) -> Any:
    """The body as JSON, UTF-8 only; raises BodyError with a short, safe reason.

    Integers too long for Python become `HugeNumber` (refused per field, so the answer can name
    the field); NaN and ±Infinity parse as floats and are refused per field too.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyError(f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
    try:
        return json.loads(text, parse_int=_parse_int)
    except RecursionError:
        raise BodyError("arrays or objects are nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise BodyError(f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None


def text_problem(value: str) -> str | None:
    """Why a string can never be stored (PostgreSQL, UTF-8), or None if it can."""
    if "\x00" in value:
        return "contains a NUL character (\\u0000), which cannot be stored"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate (\\ud800-\\udfff), which is not valid Unicode"
    return None


def safe_name(name: str, limit: int = 100) -> str:
    """A field name from the request, fit to echo in a JSON answer: encodable, short."""
    shown = name.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\u0000")
    return shown if len(shown) <= limit else shown[:limit] + "…"


def json_problem(value: Any, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """Why a parsed JSON value can never be stored as JSON, or None. Iterative: no recursion."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                return problem
        elif isinstance(item, HugeNumber):
            return f"holds a number with {item.digits} digits; at most {MAX_INT_DIGITS}"
        elif isinstance(item, float):
            if not math.isfinite(item):
                return "holds NaN or Infinity (or a number too large for a double)"
        elif isinstance(item, dict | list):
            if depth >= max_depth:
                return f"is nested more than {max_depth} levels deep"
            if isinstance(item, dict):
                for key, child in item.items():
                    problem = text_problem(key)
                    if problem:
                        return f"has a key that {problem}"
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)
    return None


def json_size(value: Any) -> int:
    """Bytes of `value` as compact JSON (call only on a value json_problem accepted)."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def email_problem(value: str) -> str | None:
    """Why `value` is not an address Handoff accepts, or None.

    A plain mailbox only: no IP-literal domain, no quoted local part, no display name, no
    spaces, a domain with a dot that is not a special-use name (`localhost`, `.test`, …).
    Deliverability is not checked (no DNS).
    """
    return checked_email(value)[1]


@functools.lru_cache(maxsize=4096)  # an owner's address comes with each of their leads
def checked_email(value: str) -> tuple[str | None, str | None]:
    """`value` as stored (`canonical_email`) and None, or None and why it is not accepted
    (`email_problem`): one validation for both."""
    if len(value) > MAX_EMAIL:
        return None, f"is longer than {MAX_EMAIL} characters"
    problem = text_problem(value)
    if problem:
        return None, problem
    try:
        valid = validate_email(
            value,
            check_deliverability=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_display_name=False,
            allow_empty_local=False,
        )
    except EmailNotValidError as exc:
        return None, f"is not an email address: {exc}"
    return valid.normalized, None


def is_email(value: str | None) -> bool:
    return bool(value) and email_problem(value or "") is None


def normalise_email(value: str) -> str:
    return value.strip().lower()


def canonical_email(value: str) -> str:
    """A valid address as stored: the domain lower-cased (and IDNA-normalised), the local
    part as given. Call only after `email_problem` returned None."""
    return validate_email(value, check_deliverability=False).normalized


def parse_timestamp(text: str) -> datetime:
    """ISO 8601 (a trailing Z allowed); a time without an offset is taken as UTC.

    Raises ValueError for anything else, including moments outside the years
    EARLIEST_YEAR..LATEST_YEAR (in UTC) and ones that overflow when moved to UTC.
    """
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    moment = datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range") from None
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise ValueError("out of range")
    return moment


def normalise_code(value: str) -> str:
    """Campaign codes compare case-insensitively and without surrounding blanks."""
    return value.strip().lower()
