"""The one place that builds the Slack Web API client (and so the one place `SLACK_API_URL` acts).

Messages go out through `bot.outbox`; the few calls that must happen at once (opening a modal
within the trigger_id's 3 seconds, looking up a user) use this client directly.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"


def make_client(settings: Settings) -> WebClient:
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url or DEFAULT_API_URL,
        timeout=10,
    )


def safe_call(client: WebClient, method: str, **kwargs: object) -> dict | None:
    """A synchronous call whose failure is logged (by error code only) and answered with None."""
    try:
        return client.api_call(method, json=kwargs).data  # type: ignore[return-value]
    except SlackApiError as exc:
        log.warning("Slack %s failed: %s", method, exc.response.get("error"))
    except OSError as exc:
        log.warning("Slack %s failed: %s", method, type(exc).__name__)
    return None
