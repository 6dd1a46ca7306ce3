"""The sandbox page and its API (all under `/sandbox/`, the page itself at `GET /`).

GET  /                       the page
GET  /sandbox/state?as=U…    everything the page shows to that person (JSON)
GET  /sandbox/events         Server-Sent Events: the state's version, whenever it changes
POST /sandbox/command        {as, channel, text: "/campaign …"}      -> a slash command
POST /sandbox/message        {as, channel, text}                     -> a plain message
POST /sandbox/action         {as, channel, ts | view_id, block_id, action_id, chosen?, values?}
POST /sandbox/view/submit    {as, view_id, values}                   -> view_submission
POST /sandbox/view/close     {as, view_id, values}                   -> view_closed (if asked)
POST /sandbox/home           {as}                                    -> app_home_opened
POST /sandbox/lead           {name, company, score, campaign, owner, shape} -> the app's POST
                             /leads, or a CRM-shaped body to /leads/hubspot|salesforce|typeform
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.messages import escape
from bot.models import utcnow
from bot.reports.send import send_preview
from bot.reports.weeks import IsoWeek
from bot.validation import SLACK_USER_ID
from sandbox import demo
from sandbox.fakeslack.models import JsonDict
from sandbox.relay import Outcome, Relay, post
from sandbox.shapes import SHAPES, shaped
from sandbox.state import Changes, page_state

STATIC = Path(__file__).parent / "static"
COMMANDS = ("/campaign", "/feedback", "/leads")
COMMAND_LINE = re.compile(r"^(/[a-z_-]+)(?:\s+(.*))?$", re.DOTALL)
Endpoint = Callable[[Request], Awaitable[Response]]


class BadRequest(Exception):
    pass


def _problem(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"ok": False, "problem": message}, status_code=status)


async def _body(request: Request) -> JsonDict:
    # JSON only: another site's form or `text/plain` fetch cannot send it without CORS.
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise BadRequest("send the body as application/json")
    try:
        data = json.loads(await request.body())
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadRequest("the body is not JSON") from None
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    return data


def _text(data: JsonDict, key: str, *, required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise BadRequest(f"{key} is required")
    return value


def build_routes(sandbox: Any) -> list[Route | Mount]:
    """The page's routes. `sandbox` gives fake, relay, changes, db, settings and `closing`."""
    fake = sandbox.fake
    relay: Relay = sandbox.relay
    changes: Changes = sandbox.changes

    def viewer(data: JsonDict) -> str:
        user_id = _text(data, "as")
        if fake.find_user(user_id) is None:
            raise BadRequest(f"{user_id} is not a person in the sandbox")
        return user_id

    def channel(data: JsonDict) -> str:
        """A channel id, or a person's id for their DM with the app (opened if need be)."""
        cid = _text(data, "channel")
        if SLACK_USER_ID.match(cid) and fake.find_user(cid) is not None:
            return fake.resolve_channel(cid)
        if cid not in fake.channels:
            raise BadRequest(f"{cid} is not a channel in the sandbox")
        return cid

    def endpoint(handle: Callable[[JsonDict], Awaitable[Outcome | JSONResponse]]) -> Endpoint:
        async def run(request: Request) -> Response:
            try:
                result = await handle(await _body(request))
            except BadRequest as problem:
                return _problem(str(problem))
            return result if isinstance(result, Response) else JSONResponse(result.to_json())

        return run

    async def page(_request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"cache-control": "no-cache"})

    async def state(request: Request) -> Response:
        user_id = request.query_params.get("as") or demo.PEOPLE[0].slack_id
        if fake.find_user(user_id) is None:
            return _problem(f"{user_id or 'as'}: not a person in the sandbox", 404)
        document = await run_in_threadpool(
            page_state,
            fake,
            relay.modals,
            sandbox.db,
            sandbox.settings,
            viewer=user_id,
            version=changes.version,
        )
        return JSONResponse(document)

    async def events(_request: Request) -> Response:
        async def stream():  # type: ignore[no-untyped-def]  # async generator of SSE chunks
            last, quiet = -1, 0.0
            while not sandbox.closing:
                version = changes.version
                if version != last:
                    last, quiet = version, 0.0
                    yield f"data: {version}\n\n"
                elif quiet > 15:
                    quiet = 0.0
                    yield ": still here\n\n"
                await asyncio.sleep(0.1)
                quiet += 0.1

        return StreamingResponse(
            stream(), media_type="text/event-stream", headers={"cache-control": "no-cache"}
        )

    async def command(data: JsonDict) -> Outcome:
        user_id, cid = viewer(data), channel(data)
        match = COMMAND_LINE.match(_text(data, "text").strip())
        if match is None or match.group(1) not in COMMANDS:
            raise BadRequest("That is not a Handoff command. Try /campaign, /feedback or /leads.")
        return await relay.command(user_id, cid, match.group(1), (match.group(2) or "").strip())

    async def message(data: JsonDict) -> Outcome:
        user_id, cid = viewer(data), channel(data)
        text = _text(data, "text").strip()
        fake.post_message(cid, escape(text), user=user_id)  # Slack escapes what people type
        return Outcome()

    async def action(data: JsonDict) -> Outcome:
        user_id = viewer(data)
        block_id, action_id = _text(data, "block_id"), _text(data, "action_id")
        chosen = data.get("chosen") if isinstance(data.get("chosen"), dict) else None
        if data.get("view_id"):
            raw_values = data.get("values")
            values = raw_values if isinstance(raw_values, dict) else {}
            return await relay.view_action(
                user_id,
                _text(data, "view_id"),
                block_id=block_id,
                action_id=action_id,
                chosen=chosen,
                values=values,
            )
        return await relay.message_action(
            user_id,
            channel(data),
            _text(data, "ts"),
            block_id=block_id,
            action_id=action_id,
            chosen=chosen,
        )

    def values(data: JsonDict) -> JsonDict:
        found = data.get("values")
        if not isinstance(found, dict):
            raise BadRequest("values must be the view's state values")
        return found

    async def submit(data: JsonDict) -> Outcome:
        return await relay.submit(viewer(data), _text(data, "view_id"), values(data))

    async def close(data: JsonDict) -> Outcome:
        return await relay.close(viewer(data), _text(data, "view_id"), values(data))

    async def home(data: JsonDict) -> Outcome:
        return await relay.open_home(viewer(data))

    async def lead(data: JsonDict) -> JSONResponse:
        shape = data.get("shape") if data.get("shape") in SHAPES else "native"
        secret = sandbox.settings.leads_webhook_secret or ""
        path, body, headers = shaped(str(shape), lead_from_form(data), secret)
        answer = await run_in_threadpool(post, f"{relay.app_url}{path}", body, headers)
        ok = answer.status == 202 or (shape == "salesforce" and answer.status == 200)
        if shape == "salesforce":  # answered in SOAP
            reply = {} if ok else {"error": _faultstring(answer.body)}
        else:
            reply = answer.json() or {}
        return JSONResponse(
            {"ok": ok, "status": answer.status, "path": path.split("?")[0], **reply}
        )

    async def report(_data: JsonDict) -> JSONResponse:
        """The weekly sync report of this week so far, posted now (a preview: the schedule
        still sends last week's at SYNC_REPORT)."""
        handoff = sandbox.handoff
        if handoff is None:
            raise BadRequest("the sandbox is starting")
        week = IsoWeek.of(utcnow().astimezone(ZoneInfo(handoff.settings.default_timezone)).date())
        sent = await run_in_threadpool(send_preview, handoff, week)
        return JSONResponse({"ok": True, "week": week.label, "channels": sent.channels})

    return [
        Route("/", page, methods=["GET"]),
        Route("/sandbox/state", state, methods=["GET"]),
        Route("/sandbox/events", events, methods=["GET"]),
        Route("/sandbox/command", endpoint(command), methods=["POST"]),
        Route("/sandbox/message", endpoint(message), methods=["POST"]),
        Route("/sandbox/action", endpoint(action), methods=["POST"]),
        Route("/sandbox/view/submit", endpoint(submit), methods=["POST"]),
        Route("/sandbox/view/close", endpoint(close), methods=["POST"]),
        Route("/sandbox/home", endpoint(home), methods=["POST"]),
        Route("/sandbox/lead", endpoint(lead), methods=["POST"]),
        Route("/sandbox/report", endpoint(report), methods=["POST"]),
        Mount("/sandbox/static", StaticFiles(directory=STATIC), name="static"),
    ]


def _faultstring(body: bytes) -> str:
    text = body.decode("utf-8", "replace")
    start, end = text.find("<faultstring>"), text.find("</faultstring>")
    return text[start + 13 : end] if 0 <= start < end else "Salesforce's message was refused"


def lead_from_form(data: JsonDict) -> JsonDict:
    """The "New lead" form as the JSON a CRM would send. Values are passed on as typed: the
    app's own validation judges them (its 422 answer is shown in the form)."""
    lead: JsonDict = {"id": f"sandbox-{secrets.token_hex(4)}", "source": "Sandbox form"}
    for key in ("name", "company", "title", "email", "campaign", "note"):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            lead[key] = value.strip()
    score = data.get("score")
    if isinstance(score, str) and score.strip():
        lead["score"] = int(score) if score.strip().lstrip("-").isdigit() else score.strip()
    elif isinstance(score, int | float) and not isinstance(score, bool):
        lead["score"] = score
    owner = data.get("owner")
    if isinstance(owner, str) and SLACK_USER_ID.match(owner):
        lead["owner"] = owner
    if data.get("hot") is True:
        lead["hot"] = True
    return lead
