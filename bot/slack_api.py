"""The one place that builds the Slack Web API client (and so the one place `SLACK_API_URL` acts).

Messages go out through `bot.outbox`; the few calls that must happen at once (opening a modal
within the trigger_id's 3 seconds, looking up a user) use this client directly. Every outbound
call has a timeout: `API_TIMEOUT` for the Web API, `RESPONSE_URL_TIMEOUT` for response_urls,
which are only ever called on Slack's own hosts (`response_url_allowed`).
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from slack_sdk import WebClient

from bot.config import Settings
from bot.metrics import MeteredWebClient

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
API_TIMEOUT = 10
RESPONSE_URL_TIMEOUT = 5
RESPONSE_URL_HOST = "hooks.slack.com"


def make_client(settings: Settings) -> WebClient:
    """The Web API client; every call is counted and timed for GET /metrics."""
    return MeteredWebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url or DEFAULT_API_URL,
        timeout=API_TIMEOUT,
    )


def response_url_allowed(url: object, api_url: str | None = None) -> bool:
    """True for `https://hooks.slack.com/...`, or for a URL on the same scheme, host and port
    as the Web API base URL when that is not Slack's (`SLACK_API_URL`, set for tests and the
    sandbox). Anything else, taken from a request body, is never called."""
    return slack_url_allowed(url, RESPONSE_URL_HOST, api_url)


def slack_url_allowed(url: object, host: str, api_url: str | None = None) -> bool:
    """True for `https://<host>/...` (a Slack host), or for a URL on the same scheme, host and
    port as the Web API base URL when that is not Slack's (tests and the sandbox). A URL Slack
    hands back (a response_url, an upload URL) is called only if this holds."""
    if not isinstance(url, str):
        return False
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    if parts.username or parts.password:
        return False
    if parts.scheme == "https" and parts.hostname == host and port in (None, 443):
        return True
    if not api_url or api_url == DEFAULT_API_URL:
        return False
    api = urlsplit(api_url)
    return (parts.scheme, parts.netloc.lower()) == (api.scheme, api.netloc.lower())
