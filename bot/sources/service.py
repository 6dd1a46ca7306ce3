"""`POST /leads/<name>`: one request to a lead source, from verification to the answer.

Verify first (nothing is read before), then parse, map to the native lead fields, validate
with the native rules, and store through the same intake as `POST /leads` (idempotent by the
CRM's record id, alerts, stage moves made by the source's display name). Every request leaves
one line in the source's log. HubSpot event batches are answered at once and fetched after."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import Database
from bot.leads.intake import IntakeResult
from bot.leads.validate import LeadInput, LeadValidationError
from bot.logsetup import exception_summary
from bot.models import Person, SourceSeen, utcnow
from bot.sources import hubspot, json_kind, salesforce, typeform
from bot.sources import log as request_log
from bot.sources.auth import Inbound, refusal
from bot.sources.config import Source
from bot.sources.hubspot_api import FetchError, Hydrator
from bot.sources.mapping import BadPayload, Mapped, validate
from bot.validation import BodyError, parse_json_body

log = logging.getLogger(__name__)

RETRY_AFTER = "30"  # seconds, on a 503
Prepare = Callable[[Session, list[LeadInput]], list[LeadInput]]
Receive = Callable[..., IntakeResult]


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def json_answer(status: int, data: dict[str, Any]) -> Answer:
    return Answer(status, json.dumps(data).encode())


class Refused(Exception):
    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.message, self.extra = status, message, extra


def crm_owners(session: Session, ids: set[str]) -> dict[str, str]:
    """Slack user IDs of the roster members with these CRM ids."""
    if not ids:
        return {}
    rows = session.execute(select(Person.crm_id, Person.slack_id).where(Person.crm_id.in_(ids)))
    return {crm_id: slack_id for crm_id, slack_id in rows if crm_id}


def map_payload(source: Source, body: bytes) -> tuple[list[Mapped], str | None]:
    """The payload as leads without verifying it (`sources test`, and after verification):
    (items, Salesforce organisation id). Raises BadPayload or BodyError."""
    if source.kind == "salesforce":
        message = salesforce.parse(source, body)
        return message.items, message.organization_id
    payload = parse_json_body(body)
    if source.kind == "hubspot":
        if hubspot.is_event_batch(payload):
            raise BadPayload("a Webhooks API event batch: its records are fetched from HubSpot")
        return hubspot.parse_workflow(source, payload), None
    if source.kind == "typeform":
        return typeform.parse(source, payload), None
    return json_kind.parse(source, payload), None


class SourceIntake:
    def __init__(self, db: Database, sources: dict[str, Source], receive: Receive) -> None:
        self.db = db
        self.sources = sources
        self.receive = receive
        self.hydrator = Hydrator(self._deliver_records, self._hydration_failed)

    def stop(self) -> None:
        self.hydrator.stop()

    def handle(self, name: str, request: Inbound) -> Answer:
        source = self.sources.get(name)
        if source is None:
            return json_answer(404, {"error": f"no lead source named {name!r} (see sources.toml)"})
        soap = source.kind == "salesforce"
        try:
            answer, received, counts = self._handle(source, request)
        except Refused as exc:
            request_log.record(self.db, source.name, exc.status, error=exc.message)
            if soap:
                code = "soapenv:Server" if exc.status >= 500 else "soapenv:Client"
                message = exc.message + "".join(
                    f"; {e['path'] or e['field']}: {e['field']} {e['error']}"
                    for e in exc.extra.get("errors", [])[:20]
                )
                return Answer(exc.status, salesforce.fault(message, code), "text/xml")
            answer = json_answer(exc.status, {"error": exc.message, **exc.extra})
            if exc.status == 503:  # a database outage: the CRM retries later
                answer.headers["Retry-After"] = RETRY_AFTER
            return answer
        request_log.record(self.db, source.name, answer.status, received=received, counts=counts)
        return answer

    def refuse_too_large(self, name: str, limit: int) -> Answer:
        source = self.sources.get(name)
        message = f"the body is over {limit} bytes"
        if source is None:
            return json_answer(404, {"error": f"no lead source named {name!r} (see sources.toml)"})
        request_log.record(self.db, source.name, 413, error=message)
        if source.kind == "salesforce":
            return Answer(413, salesforce.fault(message), "text/xml")
        return json_answer(413, {"error": message})

    def _handle(self, source: Source, request: Inbound) -> tuple[Answer, int, dict[str, int]]:
        reason = refusal(source, request)
        if reason is not None:
            raise Refused(401, f"not authorised: {reason}")
        if source.kind == "hubspot":
            try:
                payload = parse_json_body(request.body)
            except BodyError as exc:
                raise Refused(400, f"the body is not valid JSON: {exc}") from None
            if hubspot.is_event_batch(payload):
                return self._events(source, payload)
        try:
            items, org = map_payload(source, request.body)
        except BodyError as exc:
            raise Refused(400, f"the body is not valid JSON: {exc}") from None
        except BadPayload as exc:
            where = f" at {exc.path}" if exc.path else ""
            status = 400 if source.kind == "salesforce" or exc.path is None else 422
            raise Refused(status, f"{exc.message}{where}", path=exc.path) from None
        if source.kind == "salesforce" and not _same_org(org, source.organization_id):
            raise Refused(403, "OrganizationId is not this source's organization_id")
        result = self._store(source, items)
        counts = result.counts()
        if source.kind == "salesforce":
            return Answer(200, salesforce.ACK, "text/xml"), len(items), counts
        return json_answer(202, counts), len(items), counts

    def _store(self, source: Source, items: list[Mapped]) -> IntakeResult:
        crm_ids = {i.crm_owner for i in items if i.crm_owner}
        try:
            with self.db.read_session() as session:
                owners = crm_owners(session, crm_ids)
        except Exception as exc:  # the database is down: the CRM retries
            log.error("source %s: roster lookup failed: %s", source.name, exception_summary(exc))
            raise Refused(503, "leads could not be stored right now; retry") from None
        if source.kind == "hubspot" and source.token is not None:
            self._owner_emails(source, [i for i in items if i.crm_owner not in owners])
        try:
            leads = validate(items, owners)
        except LeadValidationError as exc:
            raise Refused(
                422, "some leads are not valid; nothing was stored", errors=exc.errors
            ) from None
        prepare = _ordering(source, items, leads) if source.kind == "salesforce" else None
        try:
            return self.receive(leads, stage_by=source.display, prepare=prepare)
        except Exception as exc:  # ids only: the error's text would carry the lead rows
            log.error(
                "source %s: storing %d leads failed: %s",
                source.name,
                len(leads),
                exception_summary(exc),
            )
            raise Refused(
                503, "leads could not be stored right now; nothing was stored, retry"
            ) from None

    def _owner_emails(self, source: Source, items: list[Mapped]) -> None:
        """A HubSpot owner not on the roster (by `crm_id`) is found by their email, asked of
        HubSpot's owners API once (then cached for an hour); no answer leaves no owner."""
        api = self.hydrator.api(source)
        for item in items:
            if item.crm_owner and item.owner_email is None:
                try:
                    item.owner_email = api.owner_email(item.crm_owner, attempts=1)
                except FetchError as exc:
                    log.warning("source %s: owner not fetched: %s", source.name, exc)

    def _events(
        self, source: Source, payload: list[dict[str, Any]]
    ) -> tuple[Answer, int, dict[str, int]]:
        if source.token is None:
            raise Refused(
                422, "HubSpot events need a private-app token to fetch the records: set token_env"
            )
        try:
            found = hubspot.events(payload)
        except BadPayload as exc:
            raise Refused(422, f"{exc.message} at {exc.path}", path=exc.path) from None
        keys = {f"e:{e.event_id}": e for e in found}
        try:
            seen = self.db.retrying(lambda: self._remember(source, keys))
        except Exception as exc:  # the database is down: HubSpot retries
            log.error("source %s: events not recorded: %s", source.name, exception_summary(exc))
            raise Refused(503, "events could not be recorded right now; retry") from None
        fresh = [event for key, event in keys.items() if key not in seen]
        if fresh:
            self.hydrator.submit(source, fresh)
        counts = {"received": len(payload), "queued": len(fresh), "duplicates": len(seen)}
        return json_answer(202, counts), len(payload), {"duplicates": len(seen)}

    def _remember(self, source: Source, keys: dict[str, Any]) -> set[str]:
        """Record the events' ids; the ones already recorded (redeliveries) are returned."""
        with self.db.session() as session:
            seen = request_log.seen_keys(session, source.name, keys)
            now = utcnow()
            for key in keys.keys() - seen.keys():
                session.add(SourceSeen(source=source.name, key=key, at=now))
        return set(seen)

    def _deliver_records(
        self, source: Source, records: list[tuple[dict[str, Any], str | None]]
    ) -> None:
        items = [hubspot.map_record(source, record, "", email) for record, email in records]
        try:
            result = self._store(source, items)
        except Refused as exc:
            request_log.record(
                self.db,
                source.name,
                exc.status,
                received=len(items),
                error=f"fetched: {exc.message}",
            )
            return
        request_log.record(
            self.db, source.name, 200, received=len(items), counts=result.counts(), error=None
        )

    def _hydration_failed(self, source: Source, message: str) -> None:
        request_log.record(self.db, source.name, 502, error=message)


def _same_org(given: str | None, expected: str | None) -> bool:
    """Salesforce ids come in 15- and 18-character forms; the first 15 are the id."""
    return bool(given and expected) and (given or "")[:15] == (expected or "")[:15]


def _ordering(source: Source, items: list[Mapped], leads: list[LeadInput]) -> Prepare:
    """Salesforce redelivers and reorders: skip a notification already stored, and a copy of a
    record older than one already stored; record both, in the intake's transaction."""

    def prepare(session: Session, batch: list[LeadInput]) -> list[LeadInput]:
        keys = [f"n:{i.delivery}" for i in items if i.delivery]
        keys += [f"r:{lead.external_id}" for lead in leads]
        seen = request_log.seen_keys(session, source.name, keys)
        now, kept = utcnow(), []
        for item, lead in zip(items, leads, strict=True):
            note_key, record_key = f"n:{item.delivery}", f"r:{lead.external_id}"
            if item.delivery and note_key in seen:
                continue
            if item.delivery:
                seen[note_key] = SourceSeen(source=source.name, key=note_key, at=now)
                session.add(seen[note_key])
            record = seen.get(record_key)
            newest = record.modified_at if record else None
            if newest and item.modified_at and item.modified_at < newest:
                continue
            if record is None:
                record = SourceSeen(source=source.name, key=record_key, at=now)
                session.add(record)
                seen[record_key] = record
            if item.modified_at:
                record.modified_at = item.modified_at
            record.at = now
            kept.append(lead)
        return kept

    return prepare


__all__ = ["Answer", "SourceIntake", "map_payload"]
