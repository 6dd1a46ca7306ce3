"""Settings, read once from the environment and `.env`.

Every setting is validated here; a bad one raises `ConfigError` naming the variable and
saying what to do, which `app.py` prints as one line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import TypeVar
from urllib.parse import urlparse

from bot.durations import parse_duration
from bot.workhours import DAYS, WorkingHours

T = TypeVar("T")

CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")


class ConfigError(Exception):
    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


@dataclass(frozen=True)
class SyncSchedule:
    """`SYNC_REPORT`: a weekday (0 = Monday) and a time of day, read in DEFAULT_TIMEZONE."""

    weekday: int
    at: time

    def __str__(self) -> str:
        return f"{DAYS[self.weekday].title()} {self.at:%H:%M}"


DEFAULT_SYNC = SyncSchedule(0, time(9))  # Mon 09:00


def _default_sync() -> SyncSchedule | None:
    return DEFAULT_SYNC


def parse_sync_report(raw: str) -> SyncSchedule | None:
    """`Mon 09:00` (any weekday, HH:MM) or `off`."""
    text = raw.strip()
    if text.lower() == "off":
        return None
    match = re.fullmatch(r"([A-Za-z]{3})[a-z]*\s+(\d{1,2}:\d{2})", text)
    if not match or match.group(1).lower() not in DAYS:
        raise ValueError(f"{raw!r} is not a weekday and a time like Mon 09:00, or off")
    return SyncSchedule(DAYS.index(match.group(1).lower()), _clock_time(match.group(2)))


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str | None = None
    database_url: str = "sqlite:///handoff.db"
    database_timeout: timedelta = timedelta(seconds=2)
    host: str = "0.0.0.0"  # noqa: S104 - a server is meant to be reachable
    port: int = 3000
    sales_channel: str | None = None
    marketing_channel: str | None = None
    hot_score: int = 80
    leads_webhook_secret: str | None = None
    hot_lead_sla: timedelta = timedelta(minutes=15)
    escalate_after: timedelta = timedelta(hours=1)
    working_hours: WorkingHours = field(
        default_factory=lambda: WorkingHours.parse("Mon-Fri 08:00-18:00")
    )
    sweep_interval: timedelta = timedelta(seconds=30)
    max_pings_per_hour: int = 20
    # More new hot-lead alerts (or escalations) than this to one person within a minute fold
    # into one message; 0 never folds.
    alert_burst: int = 5
    digest_time: time = time(8, 30)
    stale_after: timedelta = timedelta(hours=48)
    digest_all_clear: bool = True
    default_timezone: str = "UTC"
    user_cache_ttl: timedelta = timedelta(hours=24)
    channel_post_interval: timedelta = timedelta(seconds=1)
    # How long a hot lead's alert waits for Slack to name its owner_email's user.
    owner_lookup_wait: timedelta = timedelta(minutes=2)
    # users.lookupByEmail is Tier 3 (about 50 a minute): the background lookups keep to it.
    owner_lookups_per_minute: int = 50
    outbox_lease: timedelta = timedelta(seconds=6)
    # The weekly sales and marketing sync report: when (None: off) and where (None: both teams'
    # channels, SALES_CHANNEL and MARKETING_CHANNEL).
    sync_report: SyncSchedule | None = field(default_factory=_default_sync)
    sync_channel: str | None = None
    # A person's App Home is published again at most this often when what it shows changes.
    home_refresh_interval: timedelta = timedelta(seconds=5)
    # How a hot lead with no owner is routed: "round_robin" or "channel" (offered to claim).
    routing: str = "round_robin"
    max_open_hot_leads: int = 25
    # Working time after which a hot lead still untouched moves on to the next eligible rep
    # (None: never), and how many times one lead may move on so (then it stays put).
    reassign_after: timedelta | None = None
    max_reassigns: int = 2
    log_level: str = "INFO"
    # The lead sources (`POST /leads/<name>`); a missing default file means none.
    sources_file: str | None = "sources.toml"
    sources_file_required: bool = False
    # The URL the CRMs call (HubSpot signs the full URI): e.g. https://handoff.example.com
    public_url: str | None = None
    log_format: str = "text"
    # How long sent and failed Slack messages (and other done work) are kept (bot.retention).
    retention: timedelta = timedelta(days=30)
    # A bearer token GET /metrics asks for; unset, /metrics is open (keep it off the internet).
    metrics_token: str | None = None

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)


def _text(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _parsed(
    env: Mapping[str, str], name: str, parse: Callable[[str], T], default: T, hint: str
) -> T:
    raw = _text(env, name)
    if raw is None:
        return default
    try:
        return parse(raw)
    except ValueError as exc:
        raise ConfigError(name, f"{exc}. {hint}") from None


def _int_between(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(f"{raw!r} is not a whole number") from None
        if not low <= value <= high:
            raise ValueError(f"{value} is outside {low}..{high}")
        return value

    return parse


def _positive_duration(raw: str) -> timedelta:
    value = parse_duration(raw)
    if value <= timedelta(0):
        raise ValueError(f"{raw!r} must be longer than zero")
    return value


def _bool(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{raw!r} is not true or false")


def _clock_time(raw: str) -> time:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", raw)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ValueError(f"{raw!r} is not a time of day")
    return time(int(match.group(1)), int(match.group(2)))


def _timezone(raw: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{raw!r} is not an IANA time zone") from None
    return raw


def _url(raw: str) -> str:
    parsed = urlparse(raw)
    if parsed.scheme not in {"http", "https"} or not parsed.netloc:
        raise ValueError(f"{raw!r} is not an http(s) URL")
    return raw if raw.endswith("/") else raw + "/"


def _channel(env: Mapping[str, str], name: str) -> str | None:
    value = _text(env, name)
    if value is not None and not CHANNEL_ID.match(value):
        raise ConfigError(
            name,
            f"{value!r} is not a channel ID. Use the ID (like C0123ABCD) from the channel's "
            "details in Slack, not its name",
        )
    return value


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate all settings. Pass `env` for tests; default: os.environ."""
    env = os.environ if env is None else env
    bot_token = _text(env, "SLACK_BOT_TOKEN")
    if bot_token is not None and not bot_token.startswith("xoxb-"):
        raise ConfigError(
            "SLACK_BOT_TOKEN", "must start with xoxb-; copy the Bot User OAuth Token from the app"
        )
    app_token = _text(env, "SLACK_APP_TOKEN")
    if app_token is not None and not app_token.startswith("xapp-"):
        raise ConfigError(
            "SLACK_APP_TOKEN",
            "must start with xapp-; create an app-level token with connections:write, "
            "or unset it to use HTTP mode",
        )
    webhook_secret = _text(env, "LEADS_WEBHOOK_SECRET")
    if webhook_secret is not None and len(webhook_secret) < 16:
        raise ConfigError(
            "LEADS_WEBHOOK_SECRET",
            "is too short; use at least 16 random characters (python -c 'import secrets; "
            "print(secrets.token_hex(32))')",
        )
    return Settings(
        slack_bot_token=bot_token,
        slack_signing_secret=_text(env, "SLACK_SIGNING_SECRET"),
        slack_app_token=app_token,
        slack_api_url=_parsed(env, "SLACK_API_URL", _url, None, "Leave it unset for Slack itself"),
        database_url=_text(env, "DATABASE_URL") or Settings.database_url,
        database_timeout=_parsed(
            env, "DATABASE_TIMEOUT", _database_timeout, Settings.database_timeout, ""
        ),
        host=_text(env, "HOST") or Settings.host,
        port=_parsed(env, "PORT", _int_between(1, 65535), 3000, "Use a free TCP port"),
        sales_channel=_channel(env, "SALES_CHANNEL"),
        marketing_channel=_channel(env, "MARKETING_CHANNEL"),
        hot_score=_parsed(env, "HOT_SCORE", _int_between(0, 100), 80, "Use a score 0-100"),
        leads_webhook_secret=webhook_secret,
        hot_lead_sla=_parsed(env, "HOT_LEAD_SLA", _positive_duration, Settings.hot_lead_sla, ""),
        escalate_after=_parsed(
            env, "ESCALATE_AFTER", _positive_duration, Settings.escalate_after, ""
        ),
        working_hours=_parsed(
            env, "WORKING_HOURS", WorkingHours.parse, WorkingHours.parse("Mon-Fri 08:00-18:00"), ""
        ),
        sweep_interval=_parsed(
            env, "SWEEP_INTERVAL", _positive_duration, Settings.sweep_interval, ""
        ),
        max_pings_per_hour=_parsed(
            env, "MAX_PINGS_PER_HOUR", _int_between(1, 10_000), 20, "Use a whole number"
        ),
        alert_burst=_parsed(
            env, "ALERT_BURST", _int_between(0, 10_000), 5, "Use a whole number (0: never fold)"
        ),
        digest_time=_parsed(env, "DIGEST_TIME", _clock_time, Settings.digest_time, "Use HH:MM"),
        stale_after=_parsed(env, "STALE_AFTER", _positive_duration, Settings.stale_after, ""),
        digest_all_clear=_parsed(env, "DIGEST_ALL_CLEAR", _bool, True, "Use true or false"),
        default_timezone=_parsed(
            env, "DEFAULT_TIMEZONE", _timezone, "UTC", "Use a name like Europe/Berlin"
        ),
        user_cache_ttl=_parsed(
            env, "USER_CACHE_TTL", _positive_duration, Settings.user_cache_ttl, ""
        ),
        channel_post_interval=_parsed(
            env, "CHANNEL_POST_INTERVAL", parse_duration, Settings.channel_post_interval, ""
        ),
        owner_lookup_wait=_parsed(
            env, "OWNER_LOOKUP_WAIT", parse_duration, Settings.owner_lookup_wait, ""
        ),
        owner_lookups_per_minute=_parsed(
            env, "OWNER_LOOKUPS_PER_MINUTE", _int_between(1, 10_000), 50, "Use a whole number"
        ),
        outbox_lease=_parsed(env, "OUTBOX_LEASE", _positive_duration, Settings.outbox_lease, ""),
        sync_report=_parsed(env, "SYNC_REPORT", parse_sync_report, _default_sync(), ""),
        sync_channel=_channel(env, "SYNC_CHANNEL"),
        home_refresh_interval=_parsed(
            env, "HOME_REFRESH_INTERVAL", _home_interval, Settings.home_refresh_interval, ""
        ),
        routing=_parsed(env, "ROUTING", _routing, "round_robin", ""),
        max_open_hot_leads=_parsed(
            env, "MAX_OPEN_HOT_LEADS", _int_between(1, 10_000), 25, "Use a whole number"
        ),
        reassign_after=_reassign_after(env),
        max_reassigns=_parsed(
            env, "MAX_REASSIGNS", _int_between(1, 100), 2, "Use a whole number 1-100"
        ),
        log_level=_parsed(env, "LOG_LEVEL", _log_level, "INFO", ""),
        sources_file=_text(env, "SOURCES_FILE") or Settings.sources_file,
        sources_file_required=_text(env, "SOURCES_FILE") is not None,
        public_url=_parsed(
            env, "PUBLIC_URL", _public_url, None, "Use the https URL your CRMs call"
        ),
        log_format=_parsed(env, "LOG_FORMAT", _log_format, "text", ""),
        retention=_parsed(env, "RETENTION", _retention, Settings.retention, ""),
        metrics_token=_metrics_token(env),
    )


def _public_url(raw: str) -> str:
    return _url(raw).rstrip("/")


def _log_format(raw: str) -> str:
    value = raw.lower()
    if value not in {"text", "json"}:
        raise ValueError(f"{raw!r} is not text or json")
    return value


def _retention(raw: str) -> timedelta:
    value = parse_duration(raw)
    if value < timedelta(days=1):
        raise ValueError(f"{raw!r} is shorter than a day; use a duration like 30d")
    return value


def _metrics_token(env: Mapping[str, str]) -> str | None:
    token = _text(env, "METRICS_TOKEN")
    if token is not None and len(token) < 16:
        raise ConfigError(
            "METRICS_TOKEN",
            "is too short; use at least 16 random characters (python -c 'import secrets; "
            "print(secrets.token_hex(32))'), or unset it",
        )
    return token


def _database_timeout(raw: str) -> timedelta:
    value = parse_duration(raw)
    if not timedelta(seconds=1) <= value <= timedelta(seconds=60):
        raise ValueError(f"{raw!r} must be between 1s and 60s")
    return value


def _home_interval(raw: str) -> timedelta:
    value = parse_duration(raw)
    if not timedelta(seconds=1) <= value <= timedelta(minutes=10):
        raise ValueError(f"{raw!r} must be between 1s and 10m")
    return value


def _off_or_duration(raw: str) -> timedelta | None:
    if raw.strip().lower() == "off":
        return None
    return _positive_duration(raw)


def _reassign_after(env: Mapping[str, str]) -> timedelta | None:
    """`REASSIGN_AFTER`: off, or working time longer than HOT_LEAD_SLA (the owner is reminded
    before the lead moves on)."""
    value = _parsed(
        env, "REASSIGN_AFTER", _off_or_duration, None, "Use a duration like 90m, or off"
    )
    sla = _parsed(env, "HOT_LEAD_SLA", _positive_duration, Settings.hot_lead_sla, "")
    if value is not None and value <= sla:
        raise ConfigError(
            "REASSIGN_AFTER",
            f"must be longer than HOT_LEAD_SLA ({_text(env, 'HOT_LEAD_SLA') or '15m'}): the "
            "owner is reminded before the lead moves on. Use a longer duration, or off",
        )
    return value


def _routing(raw: str) -> str:
    value = raw.strip().lower()
    if value not in ("round_robin", "channel"):
        raise ValueError("must be round_robin or channel")
    return value


def _log_level(raw: str) -> str:
    level = raw.upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ValueError(f"{raw!r} is not DEBUG, INFO, WARNING or ERROR")
    return level


def require(settings: Settings, *names: str) -> None:
    """Stop with a ConfigError for the first of `names` (attribute names) that is unset."""
    hints = {
        "slack_bot_token": "copy the Bot User OAuth Token (xoxb-…) from your Slack app's "
        "OAuth & Permissions page",
        "slack_signing_secret": "copy the Signing Secret from your Slack app's Basic Information "
        "page (needed in HTTP mode)",
        "sales_channel": "set the ID of the channel where campaigns and unassigned leads go",
        "marketing_channel": "set the ID of the channel where feedback goes",
        "leads_webhook_secret": "set a random secret of 16+ characters that your CRM will use to "
        "sign POST /leads",
    }
    for name in names:
        if not getattr(settings, name):
            raise ConfigError(name.upper(), f"is not set; {hints.get(name, 'set it')}")
