"""Handoff's entry point: `python app.py [COMMAND]` (see `python app.py --help`)."""

from __future__ import annotations

import argparse
import logging
import sys

import uvicorn
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.error import BoltError

from bot import sandbox
from bot.cli import main
from bot.config import ConfigError, Settings, require
from bot.services import Handoff
from bot.web import create_web_app
from handlers import build_bolt_app
from handlers.http import slack_route

log = logging.getLogger("handoff")


def run(settings: Settings, args: argparse.Namespace) -> int:
    if getattr(args, "sandbox", False) or not settings.slack_bot_token:
        return sandbox.run(
            settings,
            slack_route=lambda handoff: slack_route(build_bolt_app(handoff)),
            fresh=getattr(args, "fresh", False),
        )
    require(settings, "slack_bot_token", "sales_channel", "marketing_channel")
    if not settings.socket_mode:
        require(settings, "slack_signing_secret")
    handoff = Handoff.build(settings)
    handoff.db.upgrade()
    try:
        bolt = build_bolt_app(handoff)
    except BoltError as exc:
        raise ConfigError("SLACK_BOT_TOKEN", f"Slack did not accept it ({exc})") from None
    web = create_web_app(handoff, [] if settings.socket_mode else [slack_route(bolt)])
    handoff.start()
    socket = None
    if settings.socket_mode:
        socket = SocketModeHandler(bolt, settings.slack_app_token)
        socket.connect()
        log.info("Connected to Slack in Socket Mode")
    else:
        log.info("Serving Slack requests at POST /slack/events")
    if not settings.leads_webhook_secret:
        log.warning("LEADS_WEBHOOK_SECRET is not set: POST /leads answers 503 until it is")
    log.info("Listening on http://%s:%s (POST /leads, GET /healthz)", settings.host, settings.port)
    try:
        uvicorn.run(web, host=settings.host, port=settings.port, log_level="warning")
    finally:
        if socket is not None:
            socket.close()
        handoff.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], run))
