"""The sandbox's settings: forced, whatever the environment says, so that trying Handoff can
never touch a configured database or workspace."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from bot.config import Settings
from bot.workhours import WorkingHours
from sandbox.demo import MARKETING_CHANNEL, SALES_CHANNEL

DB_FILE = "handoff-sandbox.db"
STATE_FILE = "handoff-sandbox.json"
HOST = "127.0.0.1"
SLACK_PREFIX = "/sandbox/slack"


def database_path(workdir: Path) -> Path:
    return workdir.resolve() / DB_FILE


def sandbox_settings(base: Settings, *, workdir: Path, port: int) -> Settings:
    """`base` (the environment's settings) with everything that matters replaced: a generated
    token and secrets, the fake's channels, the sandbox's own SQLite file, short demo timings
    and the loopback address. Only harmless choices (log level, default time zone, digest
    time, ping budget) are kept."""
    return replace(
        base,
        slack_bot_token=f"xoxb-sandbox-{secrets.token_hex(12)}",
        slack_signing_secret=secrets.token_hex(32),
        slack_app_token=None,
        slack_api_url=f"http://{HOST}:{port}{SLACK_PREFIX}/api/",
        database_url=f"sqlite:///{database_path(workdir)}",
        host=HOST,
        port=port,
        sales_channel=SALES_CHANNEL,
        marketing_channel=MARKETING_CHANNEL,
        leads_webhook_secret=secrets.token_hex(32),
        hot_score=80,  # the demo's leads are chosen around it
        hot_lead_sla=timedelta(minutes=1),
        escalate_after=timedelta(minutes=2),
        working_hours=WorkingHours.parse("always"),
        sweep_interval=timedelta(seconds=5),
        user_cache_ttl=timedelta(hours=1),
        channel_post_interval=timedelta(0),
        sources_file=None,  # the sandbox's own lead sources (sandbox.shapes), not the file's
        sources_file_required=False,
        routing="channel",  # the demo's unassigned lead waits in #sales to be claimed
    )
