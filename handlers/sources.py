"""`POST /leads/<name>`: a lead source of sources.toml (`bot.sources`). This adapter reads the
body (1 MiB at most), rebuilds the URL the CRM called (PUBLIC_URL, for HubSpot's signature),
and hands the rest to `bot.sources.service` on a worker thread."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.services import Handoff
from bot.sources.auth import Inbound
from bot.sources.service import Answer
from handlers.web import MAX_BODY, BodyTooLarge, error, read_body


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


def sources_route(handoff: Handoff) -> Route:
    return Route("/leads/{name}", sources_endpoint(handoff), methods=["POST"])
