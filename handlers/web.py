"""The HTTP server's routes that are not Slack's: POST /leads, POST /leads/<name> (a lead
source of sources.toml, `bot.sources`) and GET /healthz.

These are inbound adapters like the Slack listeners: they read and check the request, then call
the services in `bot/` (which imports neither Starlette nor Bolt). The Slack endpoint
(`POST /slack/events`) is `handlers.http`'s, passed in as an extra route. Every route answers
JSON; nothing here returns a traceback or a 500.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot import metrics
from bot.leads import validate as lead_intake
from bot.logsetup import exception_summary
from bot.services import Handoff
from bot.signing import webhook_authorised
from bot.sources.auth import Inbound
from bot.sources.service import Answer
from bot.validation import BodyError, parse_json_body
from handlers.metrics import metrics_endpoint

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
RETRY_AFTER = "30"  # seconds, on a 503 for a database outage


def error(status: int, message: str, **extra: object) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


class BodyTooLarge(Exception):
    pass


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def leads_endpoint(handoff: Handoff) -> Callable[[Request], Awaitable[Response]]:
    async def receive(request: Request) -> Response:
        secret = handoff.settings.leads_webhook_secret
        if not secret:
            return error(503, "lead intake is not configured: set LEADS_WEBHOOK_SECRET")
        try:
            body = await read_body(request)
        except BodyTooLarge:
            return error(
                413, f"the body is over {MAX_BODY} bytes; send at most 500 leads a request"
            )
        if not webhook_authorised(
            secret,
            body,
            request.headers.get("x-handoff-signature"),
            request.headers.get("authorization"),
        ):
            return error(
                401,
                "not authorised: sign the raw body with LEADS_WEBHOOK_SECRET in "
                "X-Handoff-Signature (sha256=<hex>) or send Authorization: Bearer <secret>",
            )
        try:
            payload = parse_json_body(body)
        except BodyError as exc:
            return error(400, f"the body is not valid JSON: {exc}")
        try:
            leads = lead_intake.parse_batch(payload)
        except lead_intake.LeadValidationError as exc:
            metrics.count_leads(sources_in(payload), "rejected")
            return error(422, "some leads are not valid; nothing was stored", errors=exc.errors)
        try:
            result = await run_in_threadpool(handoff.receive_leads, leads)
        except Exception as exc:  # ids only: the error's text would carry the lead rows
            log.error(
                "storing leads failed: %s (%d leads, ids %s)",
                exception_summary(exc),
                len(leads),
                ", ".join(lead.external_id for lead in leads[:5])
                + (", ..." if len(leads) > 5 else ""),
            )
            response = error(503, "leads could not be stored right now; nothing was stored, retry")
            response.headers["Retry-After"] = RETRY_AFTER
            return response
        return JSONResponse(result.counts(), status_code=202)

    return receive


def sources_in(payload: object) -> list[str | None]:
    """The `source` of each item of a refused batch, as far as it can be read."""
    items = payload if isinstance(payload, list) else [payload]
    return [
        item.get("source")
        if isinstance(item, dict) and isinstance(item.get("source"), str)
        else None
        for item in items[: lead_intake.MAX_BATCH]
    ]


def health_endpoint(handoff: Handoff) -> Callable[[Request], Awaitable[Response]]:
    async def health(_request: Request) -> Response:
        """200 while the database works (Slack unreachable is "degraded", still 200: leads are
        accepted and messages wait); 503 when the database is unreachable or read-only."""
        loop = asyncio.get_running_loop()
        status = await loop.run_in_executor(handoff.health_checks, handoff.health)
        return JSONResponse(status, status_code=200 if status["database"] == "ok" else 503)

    return health


async def _not_found(request: Request, _exc: Exception) -> Response:
    return error(404, f"no route {request.method} {request.url.path}")


async def _method_not_allowed(request: Request, _exc: Exception) -> Response:
    return error(405, f"{request.method} is not allowed on {request.url.path}")


async def _server_error(_request: Request, _exc: Exception) -> Response:
    return error(503, "something went wrong on our side; nothing was lost, please retry")


def public_url(request: Request, base: str | None) -> str:
    if not base:
        return str(request.url)
    query = request.url.query
    return base + request.url.path + (f"?{query}" if query else "")


def to_response(answer: Answer) -> Response:
    return Response(
        answer.body, answer.status, headers=answer.headers, media_type=answer.content_type
    )


def sources_endpoint(handoff: Handoff) -> Callable[[Request], Awaitable[Response]]:
    async def receive(request: Request) -> Response:
        sources = handoff.sources
        name = request.path_params["name"]
        if sources is None or name not in sources.sources:
            return error(404, f"no lead source named {name[:40]!r} (see sources.toml)")
        try:
            body = await read_body(request)
        except BodyTooLarge:
            return to_response(await run_in_threadpool(sources.refuse_too_large, name, MAX_BODY))
        inbound = Inbound(
            method=request.method,
            url=public_url(request, handoff.settings.public_url),
            headers={k.lower(): v for k, v in request.headers.items()},
            query=dict(request.query_params),
            body=body,
        )
        return to_response(await run_in_threadpool(sources.handle, name, inbound))

    return receive


def create_web_app(handoff: Handoff, extra_routes: list[Route] | None = None) -> Starlette:
    routes = [
        Route("/leads", leads_endpoint(handoff), methods=["POST"]),
        Route("/healthz", health_endpoint(handoff), methods=["GET"]),
        Route("/leads/{name}", sources_endpoint(handoff), methods=["POST"]),
        Route("/metrics", metrics_endpoint(handoff), methods=["GET"]),
        *(extra_routes or []),
    ]
    return Starlette(
        routes=routes,
        exception_handlers={404: _not_found, 405: _method_not_allowed, 500: _server_error},
    )
