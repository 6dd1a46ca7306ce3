"""A modal's `private_metadata`: a small JSON object we wrote when opening it and read back on
submit. One reader with validation, so each modal only names its fields."""

from __future__ import annotations

import json
from typing import Any


class BadMetadata(ValueError):
    """The metadata is not the JSON object we wrote (an old or foreign modal)."""


def dump(**values: Any) -> str:
    return json.dumps(values)


def load(text: str | None) -> dict[str, Any]:
    """The JSON object in `text`; BadMetadata for anything else (empty, not JSON, a list...)."""
    try:
        data = json.loads(text or "")
    except ValueError:
        raise BadMetadata("not JSON") from None
    if not isinstance(data, dict):
        raise BadMetadata("not a JSON object")
    return data


def required_int(data: dict[str, Any], name: str) -> int:
    try:
        return int(data[name])
    except (KeyError, TypeError, ValueError):
        raise BadMetadata(f"{name} missing or not a number") from None


def optional_str(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    return value if isinstance(value, str) and value else None
