"""`POST /slack/events`: Slack's requests, verified by Bolt and dispatched on worker threads.

Bolt's own Starlette adapter runs the synchronous `App.dispatch` on the event loop, which
serialises requests; dispatching in Starlette's thread pool lets them run side by side.
"""

from __future__ import annotations

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.web import BodyTooLarge, error, read_body


def slack_route(app: App) -> Route:
    async def events(request: Request) -> Response:
        try:
            body = await read_body(request)
        except BodyTooLarge:
            return error(413, "request body too large")
        bolt_response = await run_in_threadpool(app.dispatch, to_bolt_request(request, body))
        return to_starlette_response(bolt_response)

    return Route("/slack/events", events, methods=["POST"])
