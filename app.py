"""Handoff's entry point: `python app.py [COMMAND]` (see `python app.py --help`)."""

from __future__ import annotations

import argparse
import gc
import logging
import sys

import uvicorn
from uvicorn.config import LOGGING_CONFIG

import sandbox
from bot import cli
from bot.config import Settings, require
from bot.db import DatabaseUnavailable, describe
from bot.services import Handoff
from bot.slack_status import check_token
from handlers import build_bolt_app
from handlers.http import slack_route
from handlers.socket_mode import connect_socket_mode, socket_mode_handler
from handlers.web import create_web_app

log = logging.getLogger("handoff")
SWITCH_INTERVAL = 0.001  # seconds


def serve(settings: Settings, args: argparse.Namespace) -> int:
    """`run` and `sandbox`: the sandbox when asked, or when no Slack workspace is configured."""
    if args.command == cli.SANDBOX or not settings.slack_bot_token:
        return sandbox.run(settings, fresh=args.fresh)
    return run(settings)


def run(settings: Settings) -> int:
    require(settings, "slack_bot_token", "sales_channel", "marketing_channel")
    if not settings.socket_mode:
        require(settings, "slack_signing_secret")
    # Hand the interpreter between threads every 1 ms rather than 5: an ack waiting for it
    # behind lead intake or the outbox is a tail a rep feels (bench/ack_tails.py).
    sys.setswitchinterval(SWITCH_INTERVAL)
    handoff = Handoff.build(settings)
    handoff.db.upgrade()  # DatabaseUnavailable: one line naming the database, exit 4
    state, detail = handoff.db.check()
    if state != "ok":
        raise DatabaseUnavailable(f"{describe(settings.database_url)} is {state}: {detail}")
    check_token(handoff.slack)
    bolt = build_bolt_app(handoff)
    web = create_web_app(handoff, [] if settings.socket_mode else [slack_route(bolt, handoff)])
    handoff.start()
    socket = None
    if settings.socket_mode:
        socket = socket_mode_handler(bolt, settings.slack_app_token, handoff.priority)
        connect_socket_mode(socket)
    else:
        log.info("Serving Slack requests at POST /slack/events")
    if not settings.leads_webhook_secret:
        log.warning("LEADS_WEBHOOK_SECRET is not set: POST /leads answers 503 until it is")
    log.info("Listening on http://%s:%s (POST /leads, GET /healthz)", settings.host, settings.port)
    # What start-up built lives as long as the process: out of the collector's way, so a full
    # collection scans only what requests made (it stalled every thread for ~45 ms before).
    gc.freeze()
    try:
        uvicorn.run(
            web,
            host=settings.host,
            port=settings.port,
            log_level="warning",
            # LOG_FORMAT=json: uvicorn's own lines go through Handoff's handler too.
            log_config=None if settings.log_format == "json" else LOGGING_CONFIG,
        )
    finally:
        if socket is not None:
            socket.close()
        handoff.stop()
    return 0


if __name__ == "__main__":
    sys.exit(cli.execute(cli.parse(sys.argv[1:]), serve))
