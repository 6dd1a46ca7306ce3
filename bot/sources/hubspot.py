"""The `hubspot` kind: workflow "Send a webhook" bodies and Webhooks API event batches.

Workflow bodies come in three shapes: the whole object as the CRM API returns it
(`{"id"|"objectId": …, "properties": {name: value}}`), the legacy contact shape
(`{"vid": …, "properties": {name: {"value": …}}}`), and a customised body of chosen
properties (flat `name: value`). `[NAME.fields]` maps lead fields to HubSpot property names.

Event batches (`[{"eventId", "subscriptionType", "objectId", …}]`) are thin: the records are
fetched afterwards (`bot.sources.hubspot_api`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.sources.config import Source
from bot.sources.json_kind import map_fields
from bot.sources.mapping import MISSING, BadPayload, Mapped
from bot.states import LeadStage

DEFAULT_FIELDS: dict[str, str | tuple[str, ...]] = {
    "name": ("firstname", "lastname"),
    "email": "email",
    "company": "company",
    "title": "jobtitle",
    "phone": "phone",
    "score": "hubspotscore",
    "campaign": "utm_campaign | hs_analytics_source_data_2",
    "owner": "hubspot_owner_id",
}
STAGE_PROPERTIES = ("hs_lead_status", "lifecyclestage")
DEFAULT_STAGES = {
    # hs_lead_status
    "new": LeadStage.NEW,
    "open": LeadStage.NEW,
    "in_progress": LeadStage.WORKING,
    "attempted_to_contact": LeadStage.WORKING,
    "connected": LeadStage.WORKING,
    "open_deal": LeadStage.OPPORTUNITY,
    "unqualified": LeadStage.DISQUALIFIED,
    "bad_timing": LeadStage.LOST,
    # lifecyclestage
    "subscriber": LeadStage.NEW,
    "lead": LeadStage.NEW,
    "marketingqualifiedlead": LeadStage.NEW,
    "salesqualifiedlead": LeadStage.WORKING,
    "opportunity": LeadStage.OPPORTUNITY,
    "customer": LeadStage.WON,
    "evangelist": LeadStage.WON,
}
EVENT_TYPES = ("contact.creation", "contact.propertyChange")
ID_KEYS = ("objectId", "id", "vid", "hs_object_id")


@dataclass(frozen=True)
class Event:
    event_id: str
    object_id: str
    kind: str


def is_event_batch(payload: Any) -> bool:
    return (
        isinstance(payload, list)
        and bool(payload)
        and all(isinstance(e, dict) and "eventId" in e for e in payload)
    )


def events(payload: list[dict[str, Any]]) -> list[Event]:
    """The batch's contact events (others are ignored); BadPayload names a malformed one."""
    found = []
    for index, event in enumerate(payload):
        event_id, object_id = event.get("eventId"), event.get("objectId")
        kind = event.get("subscriptionType")
        if not isinstance(event_id, int | str) or isinstance(event_id, bool):
            raise BadPayload("eventId must be a number", f"{index}.eventId")
        if not isinstance(kind, str):
            raise BadPayload("subscriptionType must be a string", f"{index}.subscriptionType")
        if kind not in EVENT_TYPES:
            continue
        if not isinstance(object_id, int | str) or isinstance(object_id, bool):
            raise BadPayload("objectId must be a number", f"{index}.objectId")
        text_id = str(object_id)
        if not text_id.isdigit() or len(text_id) > 30 or len(str(event_id)) > 100:
            raise BadPayload("objectId must be a HubSpot record id", f"{index}.objectId")
        found.append(Event(str(event_id), text_id, kind))
    return found


def fields_of(source: Source) -> dict[str, str | tuple[str, ...]]:
    return {**DEFAULT_FIELDS, **source.fields}


def stages_of(source: Source) -> dict[str, LeadStage]:
    return {**DEFAULT_STAGES, **source.stages}


def properties_wanted(source: Source) -> list[str]:
    """The properties to ask the CRM API for: every one the mapping reads."""
    names: set[str] = set(STAGE_PROPERTIES)
    for spec in fields_of(source).values():
        for path in spec if isinstance(spec, tuple) else spec.split("|"):
            names.add(path.strip())
    return sorted(names)


def _flatten(body: dict[str, Any]) -> tuple[dict[str, Any], str, str | None, Any]:
    """(properties, path prefix, id path, id) of one workflow body, whatever its shape."""
    props = body.get("properties")
    record_id, id_path = MISSING, None
    for key in ID_KEYS:
        if key in body:
            record_id, id_path = body[key], key
            break
    if isinstance(props, dict):
        legacy = any(isinstance(v, dict) and "value" in v for v in props.values())
        if legacy:
            flat = {k: v.get("value") if isinstance(v, dict) else v for k, v in props.items()}
            return flat, "properties.{}.value", id_path, record_id
        if record_id is MISSING and "hs_object_id" in props:
            record_id, id_path = props["hs_object_id"], "properties.hs_object_id"
        return props, "properties.{}", id_path, record_id
    return body, "{}", id_path, record_id


def map_record(source: Source, body: Any, at: str = "", owner_email: str | None = None) -> Mapped:
    """One contact (a workflow body, or a record fetched from the CRM API) as a lead."""
    if not isinstance(body, dict):
        raise BadPayload("the body must be a JSON object (a HubSpot record)", at or None)
    props, template, id_path, record_id = _flatten(body)
    item = map_fields(
        fields_of(source),
        lambda p: props.get(p, MISSING),
        lambda p: at + template.format(p),
        None,
    )
    if "id" not in source.fields:
        item.put(
            "id", None if record_id is MISSING else _text_id(record_id), at + (id_path or "id")
        )
    stage = _stage(props, stages_of(source))
    if stage is not None and "stage" not in source.fields:
        item.put("stage", stage, at + template.format("hs_lead_status"))
    item.owner_email = owner_email
    return item


def _text_id(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _stage(props: Mapping[str, Any], stages: Mapping[str, LeadStage]) -> str | None:
    from bot.sources.mapping import stage_of

    return stage_of([props.get(name) for name in STAGE_PROPERTIES], stages)


def parse_workflow(source: Source, payload: Any) -> list[Mapped]:
    """Workflow webhook bodies: one object, or a list of them."""
    if isinstance(payload, list):
        if not payload:
            raise BadPayload("the array is empty")
        return [map_record(source, body, f"{i}.") for i, body in enumerate(payload)]
    return [map_record(source, payload)]


__all__ = [
    "Event",
    "events",
    "is_event_batch",
    "map_record",
    "parse_workflow",
    "properties_wanted",
]
