"""`python app.py sources list | test NAME FILE | log NAME`: what the sources are, what a saved
payload would become (verification-free, nothing stored), and each source's recent requests."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from bot.config import Settings
from bot.db import Database
from bot.leads.validate import LeadInput, LeadValidationError
from bot.sources import hubspot
from bot.sources.config import Source, SourcesError, load_sources
from bot.sources.log import activity, last_requests
from bot.sources.mapping import BadPayload, validate
from bot.sources.service import crm_owners, map_payload
from bot.validation import BodyError, parse_json_body

EXIT_BAD_INPUT = 2


def _sources(settings: Settings) -> dict[str, Source]:
    return load_sources(settings.sources_file, required=settings.sources_file_required)


def _source(settings: Settings, name: str) -> Source:
    sources = _sources(settings)
    if name not in sources:
        known = ", ".join(sources) or "none"
        raise SourcesError("sources", f"no source named {name!r} (sources: {known})")
    return sources[name]


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S UTC") if at else "never"


def _auth(source: Source) -> str:
    if source.auth == "signature":
        return "X-HubSpot-Signature-v3" if source.kind == "hubspot" else "Typeform-Signature"
    if source.auth in ("header", "hmac"):
        return f"{source.auth} {source.header}"
    return {"key": "?key= in the URL", "bearer": "Authorization: Bearer", "basic": "HTTP Basic"}[
        source.auth
    ]


def list_sources(settings: Settings, database: Callable[[], Database]) -> int:
    sources = _sources(settings)
    if not sources:
        print(f"No lead sources ({settings.sources_file or 'SOURCES_FILE'} not found).")
        return 0
    with database().read_session() as session:
        seen = activity(session, sources)
    for name, source in sources.items():
        state = seen[name]
        print(f"{source.path}  {source.kind}  auth: {_auth(source)}  secret: ${source.secret_env}")
        refusal = f" ({state.last_refusal})" if state.last_refusal else ""
        print(
            f"    last accepted: {_when(state.last_accepted_at)}; "
            f"last refused: {_when(state.last_refused_at)}{refusal}"
        )
    print(f"{len(sources)} sources.")
    return 0


def _describe(lead: LeadInput) -> dict[str, object]:
    shown: dict[str, object] = {"id": lead.external_id, "name": lead.name}
    for key in ("email", "company", "title", "phone", "campaign_code", "score", "hot_flag"):
        value = getattr(lead, key)
        if value is not None:
            shown[key.removesuffix("_code").removesuffix("_flag")] = value
    for key in ("owner_id", "owner_email", "source", "note"):
        value = getattr(lead, key)
        if value is not None:
            shown[key.replace("owner_id", "owner")] = value
    if lead.stage is not None:
        shown["stage"] = lead.stage.value
    return shown


def test_source(
    settings: Settings, name: str, file: str, database: Callable[[], Database] | None = None
) -> int:
    source = _source(settings, name)
    path = Path(file)
    if not path.is_file():
        print(f"{file}: no such file", file=sys.stderr)
        return EXIT_BAD_INPUT
    body = path.read_bytes()
    if source.kind == "hubspot":
        try:
            payload = parse_json_body(body)
        except BodyError as exc:
            print(f"{file}: the body is not valid JSON: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        if hubspot.is_event_batch(payload):
            try:
                found = hubspot.events(payload)
            except BadPayload as exc:
                print(f"{file}: {exc.path}: {exc.message}", file=sys.stderr)
                return EXIT_BAD_INPUT
            ids = ", ".join(dict.fromkeys(e.object_id for e in found)) or "none"
            print(
                f"An event batch: {len(found)} contact events of {len(payload)}; when received, "
                f"Handoff fetches contacts {ids} from {source.api_url} and maps them as below."
            )
            return 0
    try:
        items, _org = map_payload(source, body)
    except (BodyError, BadPayload) as exc:
        where = f"{exc.path}: " if isinstance(exc, BadPayload) and exc.path else ""
        print(f"{file}: {where}{getattr(exc, 'message', exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    owners: dict[str, str] = {}
    if database is not None:
        with database().read_session() as session:
            owners = crm_owners(session, {i.crm_owner for i in items if i.crm_owner})
    try:
        leads = validate(items, owners)
    except LeadValidationError as exc:
        for problem in exc.errors:
            print(
                f"{file}: lead {problem['index']}: {problem['field']} "
                f"(from {problem['path']}): {problem['error']}",
                file=sys.stderr,
            )
        print(f"{file}: {len(exc.errors)} problem(s); nothing would be stored.", file=sys.stderr)
        return EXIT_BAD_INPUT
    for lead, item in zip(leads, items, strict=True):
        print(json.dumps(_describe(lead), ensure_ascii=False))
        if item.crm_owner and lead.owner_id is None:
            print(f"    CRM owner {item.crm_owner} is not a crm_id on the roster")
    print(f"{len(leads)} lead(s) would be stored by {source.path} (nothing was stored).")
    return 0


def source_log(settings: Settings, name: str, database: Callable[[], Database]) -> int:
    source = _source(settings, name)
    with database().read_session() as session:
        rows = [
            (r.at, r.status, r.received, r.accepted, r.updated, r.duplicates, r.error)
            for r in last_requests(session, source.name)
        ]
    if not rows:
        print(f"No requests to {source.path} yet.")
        return 0
    print(f"{'time (UTC)':<20} status  received accepted updated duplicates  error")
    for at, status, received, accepted, updated, duplicates, error in reversed(rows):
        print(
            f"{at:%Y-%m-%d %H:%M:%S} {status:>6} {received:>9} {accepted:>8} "
            f"{updated:>7} {duplicates:>10}  {error or ''}"
        )
    print(f"{len(rows)} requests (the last 100 are kept for this view).")
    return 0


__all__ = ["list_sources", "source_log", "test_source"]
