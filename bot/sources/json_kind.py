"""The `json` kind: any JSON body (Zapier, Make, Pipedrive, Webflow, a home-made form), each
lead field taken from a dotted path (`[NAME.fields]`). A list body is a batch."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.sources.config import Source
from bot.sources.mapping import (
    MISSING,
    BadPayload,
    Mapped,
    as_score,
    as_text,
    dig,
    joined,
    stage_of,
)
from bot.validation import text_problem

Getter = Callable[[str], Any]


def map_fields(
    fields: Mapping[str, str | tuple[str, ...]],
    get: Getter,
    path_of: Callable[[str], str],
    stages: Mapping[str, Any] | None,
) -> Mapped:
    """A `Mapped` lead from field specs: a path, `a | b` (the first present), or a list of
    paths joined with spaces (`name = ["first", "last"]`)."""
    item = Mapped()
    for name, spec in fields.items():
        if isinstance(spec, tuple):
            values = [get(p) for p in spec]
            value = joined([None if v is MISSING else v for v in values])
            where = " + ".join(path_of(p) for p in spec)
        else:
            value, where = None, path_of(spec.split("|")[0].strip())
            for alternative in (p.strip() for p in spec.split("|")):
                found = get(alternative)
                if found is not MISSING and found is not None and found != "":
                    value, where = found, path_of(alternative)
                    break
        if name == "id":
            value = as_text(value)
        elif name == "score":
            value = as_score(value)
        elif name == "stage" and stages:
            value = stage_of([value], stages)
        elif name == "owner" and value is not None:
            # A CRM's owner id: the roster's crm_id, else taken as a Slack user ID.
            item.crm_owner = str(as_text(value))
            problem = text_problem(item.crm_owner)
            if problem is not None:  # it is looked up on the roster: it must be storable text
                raise BadPayload(f"owner: {problem}", where)
            item.paths["owner"] = where
            if isinstance(value, str) and value.startswith(("U", "W")):
                item.put("owner", value, where)
            continue
        item.put(name, value, where)
    return item


def parse(source: Source, payload: Any) -> list[Mapped]:
    items = payload if isinstance(payload, list) else [payload]
    if not items:
        raise BadPayload("the array is empty")
    mapped = []
    for index, body in enumerate(items):
        if not isinstance(body, dict):
            raise BadPayload("each item must be a JSON object", f"{index}")
        prefix = f"{index}." if isinstance(payload, list) else ""
        mapped.append(map_fields(source.fields, _getter(body), _prefixed(prefix), source.stages))
    return mapped


def _getter(body: dict[str, Any]) -> Getter:
    return lambda path: dig(body, path)


def _prefixed(prefix: str) -> Callable[[str], str]:
    return lambda path: prefix + path


__all__ = ["map_fields", "parse"]
