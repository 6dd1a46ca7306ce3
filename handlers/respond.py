"""`SlackRespond`: Bolt's `respond()`, but only to Slack's own hosts and with a timeout.

Bolt builds `respond` from the `response_url` in the request body and calls it with no
timeout check of the host. Every `respond` a listener or the error boundary gets is this one
(`handlers.http` puts it in the context before dispatch; `use_slack_respond` covers Socket
Mode); code that rebuilds a respond from a stored response_url uses it too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.context.respond import Respond
from slack_bolt.context.respond.internals import _build_message
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient, WebhookResponse

from bot.home.answers import tell_in_dm
from bot.services import Handoff
from bot.slack_api import RESPONSE_URL_TIMEOUT, response_url_allowed
from handlers.context import handoff_of

log = logging.getLogger(__name__)


class SlackRespond(Respond):
    def __init__(
        self,
        *,
        response_url: str | None,
        api_url: str | None,
        before_send: Callable[[], None] | None = None,
        **kwargs: Any,
    ) -> None:
        """`before_send`: called before each post (`bot.priority`'s give_way, over HTTP)."""
        super().__init__(response_url=response_url, **kwargs)
        self.api_url = api_url
        self.before_send = before_send

    def __call__(  # type: ignore[override]  # narrower keyword set than Bolt Respond
        self,
        text: str | dict = "",
        blocks: Sequence[Any] | None = None,
        attachments: Sequence[Any] | None = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        unfurl_links: bool | None = None,
        unfurl_media: bool | None = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> WebhookResponse | None:
        if isinstance(text, dict):
            message = _build_message(**text)
        else:
            message = _build_message(
                text=text,
                blocks=blocks,
                attachments=attachments,
                response_type=response_type,
                replace_original=replace_original,
                delete_original=delete_original,
                unfurl_links=unfurl_links,
                unfurl_media=unfurl_media,
                thread_ts=thread_ts,
                metadata=metadata,
            )
        return self.send(message)

    def send(self, message: dict[str, Any]) -> WebhookResponse | None:
        """Post the built `message` to the response_url (only one on Slack's hosts)."""
        if self.response_url is None:
            raise ValueError("respond is unsupported here as there is no response_url")
        if not response_url_allowed(self.response_url, self.api_url):
            log.warning("refused to call a response_url that is not on Slack's hosts")
            return None
        if self.before_send is not None:
            self.before_send()
        client = WebhookClient(
            url=self.response_url, timeout=RESPONSE_URL_TIMEOUT, proxy=self.proxy, ssl=self.ssl
        )
        return client.send_dict(message)


class HomeRespond(SlackRespond):
    """`respond` for a click in the App Home, which has no response_url and cannot show an
    ephemeral message: the answer goes to the person as a DM from Handoff (the outbox). A
    `replace_original` has nothing to replace: the Home is published again on its own."""

    def __init__(self, *, handoff: Handoff, user_id: str, api_url: str | None) -> None:
        super().__init__(response_url=None, api_url=api_url)
        self.handoff = handoff
        self.user_id = user_id

    def send(self, message: dict[str, Any]) -> WebhookResponse | None:
        if message.get("replace_original") or message.get("delete_original"):
            return None
        with self.handoff.db.session() as session:
            tell_in_dm(
                session,
                self.user_id,
                text=str(message.get("text") or ""),
                blocks=message.get("blocks"),
            )
        return None


def from_home(body: dict[str, Any]) -> bool:
    view = body.get("view") or {}
    return body.get("type") == "block_actions" and view.get("type") == "home"


def use_home_respond(app: App) -> None:
    """After `provide_handoff`: a click in the Home gets a `HomeRespond`."""

    @app.middleware
    def home_respond(
        context: BoltContext, body: dict, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        user = (body.get("user") or {}).get("id")
        if from_home(body) and not body.get("response_url") and user:
            context["respond"] = HomeRespond(
                handoff=handoff_of(context), user_id=str(user), api_url=app.client.base_url
            )
        return next()


def respond_to(
    response_url: str | None, client: WebClient, before_send: Callable[[], None] | None = None
) -> SlackRespond:
    """A respond for `response_url`, allowed only on Slack's hosts (or `client`'s, the fake's)."""
    return SlackRespond(response_url=response_url, api_url=client.base_url, before_send=before_send)


def install(context: BoltContext, app: App, before_send: Callable[[], None] | None = None) -> None:
    """Make `context.respond` (what listeners and the error boundary get) a SlackRespond;
    `before_send` runs before each of its posts."""
    if not isinstance(context.get("respond"), SlackRespond):
        context["respond"] = respond_to(context.response_url, app.client, before_send)


def use_slack_respond(app: App) -> None:
    """A global middleware, for requests that do not come through `handlers.http`."""

    @app.middleware
    def slack_respond(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse:
        install(context, app)
        return next()
