"""The `salesforce` kind: Outbound Messages, SOAP 1.1 `notifications` with up to 100
`Notification`s, each a Lead or Contact `sObject` holding the fields the admin chose.

XML is parsed with defusedxml: no DTDs, no entities, no external references, and a size limit
before that (the web layer's). The answer is SOAP: `notificationsResponse` with `<Ack>true</Ack>`
once stored, a `Fault` with a clear `faultstring` otherwise."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml.ElementTree import fromstring  # type: ignore[import-untyped]

from bot.sources.config import Source
from bot.sources.json_kind import map_fields
from bot.sources.mapping import MISSING, BadPayload, Mapped
from bot.states import LeadStage
from bot.validation import parse_timestamp

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
OUTBOUND = "http://soap.sforce.com/2005/09/outbound"
SOBJECT = "urn:sobject.enterprise.soap.sforce.com"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
MAX_NOTIFICATIONS = 100

DEFAULT_FIELDS: dict[str, str | tuple[str, ...]] = {
    "id": "Id",
    "name": ("FirstName", "LastName"),
    "email": "Email",
    "company": "Company",
    "title": "Title",
    "phone": "Phone",
    "source": "LeadSource",
    "owner": "OwnerId",
}
DEFAULT_STAGES = {
    "open - not contacted": LeadStage.NEW,
    "working - contacted": LeadStage.WORKING,
    "closed - converted": LeadStage.WON,
    "closed - not converted": LeadStage.LOST,
}

ACK = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<soapenv:Envelope xmlns:soapenv="{SOAP}">'
    "<soapenv:Body>"
    f'<notificationsResponse xmlns="{OUTBOUND}"><Ack>true</Ack></notificationsResponse>'
    "</soapenv:Body></soapenv:Envelope>"
).encode()


def fault(message: str, code: str = "soapenv:Client") -> bytes:
    from xml.sax.saxutils import escape

    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP}"><soapenv:Body><soapenv:Fault>'
        f"<faultcode>{code}</faultcode><faultstring>{escape(message)}</faultstring>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    ).encode()


class Message:
    def __init__(self, organization_id: str, items: list[Mapped]) -> None:
        self.organization_id = organization_id
        self.items = items


def read_xml(body: bytes) -> Element:
    """The parsed document; BadPayload for malformed or hostile XML (DTDs, entities)."""
    try:
        return fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise BadPayload("XML with a DTD or entities is refused") from None
    except ParseError as exc:
        raise BadPayload(f"not well-formed XML ({exc})") from None
    except (ValueError, UnicodeError):
        raise BadPayload("not well-formed XML") from None


def parse(source: Source, body: bytes) -> Message:
    root = read_xml(body)
    notifications = root.find(f"{{{SOAP}}}Body/{{{OUTBOUND}}}notifications")
    if root.tag != f"{{{SOAP}}}Envelope" or notifications is None:
        raise BadPayload("not a Salesforce outbound message (no soapenv:Body/notifications)")
    org = (notifications.findtext(f"{{{OUTBOUND}}}OrganizationId") or "").strip()
    found = notifications.findall(f"{{{OUTBOUND}}}Notification")
    if not found:
        raise BadPayload("the message holds no Notification")
    if len(found) > MAX_NOTIFICATIONS:
        raise BadPayload(f"over {MAX_NOTIFICATIONS} Notification elements")
    fields = {**DEFAULT_FIELDS, **source.fields}
    stages = {**DEFAULT_STAGES, **source.stages}
    items = []
    for index, note in enumerate(found):
        at = f"Notification[{index}]"
        obj = note.find(f"{{{OUTBOUND}}}sObject")
        if obj is None:
            raise BadPayload("a Notification has no sObject", f"{at}.sObject")
        values = _fields(obj)
        item = map_fields(fields, _getter(values), _path(at), None)
        status = values.get("Status")
        stage = stages.get(status.strip().lower()) if isinstance(status, str) else None
        if stage is not None and stage is not LeadStage.NEW and "stage" not in source.fields:
            item.put("stage", stage.value, f"{at}.sObject.Status")
        rating = values.get("Rating")
        if isinstance(rating, str) and "hot" not in source.fields:
            # Hot is hot; Warm or Cold sent later cools a lead that was Hot (its score may not).
            item.put("hot", rating.strip().lower() == "hot", f"{at}.sObject.Rating")
        item.delivery = (note.findtext(f"{{{OUTBOUND}}}Id") or "").strip()[:200] or None
        item.modified_at = _modified(values.get("LastModifiedDate"))
        items.append(item)
    return Message(org, items)


def _getter(values: dict[str, Any]) -> Callable[[str], Any]:
    return lambda name: values.get(name, MISSING)


def _path(at: str) -> Callable[[str], str]:
    return lambda name: f"{at}.sObject.{name}"


def _fields(obj: Element) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for child in obj:
        if not child.tag.startswith(f"{{{SOBJECT}}}"):
            continue
        name = child.tag[len(SOBJECT) + 2 :]
        nil = child.get(f"{{{XSI}}}nil") == "true"
        values[name] = None if nil else (child.text or "").strip() or None
    return values


def _modified(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_timestamp(value)
    except ValueError:
        return None


__all__ = ["ACK", "Message", "fault", "parse"]
