"""`create_app`: the fake's HTTP face — `POST /api/{method}`, `POST /response/{token}`, and for
files `POST /upload/{file_id}` (the upload URL) and `GET /files/{file_id}` (the kept bytes)."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.fakeslack.fake import FakeSlack
from sandbox.fakeslack.files import FILE_PATH, UPLOAD_PATH
from sandbox.fakeslack.models import JsonDict, Reply


class _BadBody(ValueError):
    pass


def create_app(fake: FakeSlack) -> Starlette:
    async def web_api(request: Request) -> Response:
        try:
            args = await _request_args(request)
        except _BadBody:
            return JSONResponse({"ok": False, "error": "invalid_json"})
        token = _bearer_token(request)
        method = request.path_params["method"]
        # Where this fake is reached, mount prefix included (the sandbox mounts it).
        fake.files.base_url = str(request.url).rsplit("/api/", 1)[0] + "/"
        delay = fake.take_delay(method)
        reply = fake.handle(method, args, token)
        if delay > 0:  # the call took effect; its answer is late
            await asyncio.sleep(delay)
        return _to_response(reply)

    async def response_url(request: Request) -> Response:
        try:
            payload = _json_object(await request.body())
        except _BadBody:
            return Response("invalid_payload", 400, media_type="text/plain")
        return _to_response(fake.handle_response(request.path_params["token"], payload))

    async def upload(request: Request) -> Response:
        # The raw bytes as the body (Slack also takes multipart/form-data; Handoff sends raw).
        content = await request.body()
        return _to_response(fake.handle_upload(request.path_params["file_id"], content))

    async def stored_file(request: Request) -> Response:
        found = fake.files.get(request.path_params["file_id"])
        if found is None or found.content is None:
            return Response("file_not_found", 404, media_type="text/plain")
        return Response(found.content, media_type=found.mimetype)

    return Starlette(
        routes=[
            Route("/api/{method}", web_api, methods=["GET", "POST"]),
            Route("/response/{token}", response_url, methods=["POST"]),
            Route(UPLOAD_PATH + "{file_id}", upload, methods=["POST"]),
            Route(FILE_PATH + "{file_id}", stored_file, methods=["GET"]),
        ]
    )


async def _request_args(request: Request) -> JsonDict:
    """Query string merged with the body, JSON or form-encoded, as slack_sdk sends them."""
    args: JsonDict = dict(request.query_params)
    body = await request.body()
    if not body:
        return args
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        args.update(_json_object(body))
    else:
        args.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return args


def _json_object(body: bytes) -> JsonDict:
    try:
        parsed = json.loads(body or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _BadBody from error
    if not isinstance(parsed, dict):
        raise _BadBody
    return parsed


def _bearer_token(request: Request) -> str | None:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials.strip() or None if scheme.lower() == "bearer" else None


def _to_response(reply: Reply) -> Response:
    if isinstance(reply.body, dict):
        return JSONResponse(reply.body, reply.status, reply.headers)
    headers = {k: v for k, v in reply.headers.items() if k.lower() != "content-type"}
    media_type = reply.headers.get("content-type", "text/plain")
    return Response(reply.body, reply.status, headers, media_type=media_type)
