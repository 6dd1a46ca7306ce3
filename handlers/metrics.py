"""GET /metrics: Prometheus' text format (see bot.metrics for what is measured).

With METRICS_TOKEN set, a scrape must send `Authorization: Bearer <token>` (compared in constant
time); without it, /metrics is open, so keep the port off the internet or set the token.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.metrics import REGISTRY
from bot.services import Handoff


def authorised(expected: str | None, header: str | None) -> bool:
    if not expected:
        return True
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(token.strip().encode(), expected.encode())


def metrics_endpoint(handoff: Handoff) -> Callable[[Request], Awaitable[Response]]:
    async def metrics(request: Request) -> Response:
        if not authorised(handoff.settings.metrics_token, request.headers.get("authorization")):
            return JSONResponse(
                {"error": "not authorised: send Authorization: Bearer <METRICS_TOKEN>"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        loop = asyncio.get_running_loop()
        # The database gauges wait up to bot.metrics.SCRAPE_DEADLINE: not on the event loop.
        body = await loop.run_in_executor(
            handoff.health_checks,
            lambda: generate_latest(REGISTRY) + generate_latest(handoff.metrics),
        )
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return metrics
