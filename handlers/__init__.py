"""Slack listeners. Each kind registers its own; listeners ack first and call `bot/` services.

Listeners are functions at module level; each kind's `register(app)` hands them to Bolt,
wrapped by the error boundary (`handlers.errors.guarded`). They reach the services as a
`handoff` argument, which Bolt fills from the context (`handlers.context`)."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult

from bot.logsetup import quiet_libraries
from bot.replays import SeenSignatures
from bot.services import Handoff
from handlers import actions, commands, errors, events, respond, views
from handlers.context import provide_handoff

# Bolt wants a signing secret even in Socket Mode, which does not sign; `handlers.http` refuses
# every HTTP request of an app that has only this placeholder.
NO_SIGNING_SECRET = "socket-mode-needs-no-secret"  # noqa: S105 (a placeholder, not a secret)


def build_bolt_app(handoff: Handoff) -> App:
    settings = handoff.settings
    quiet_libraries()
    app = App(
        # Our own `authorize` instead of `token=`: Bolt would call auth.test while being built
        # and refuse to start whenever Slack is down. Handoff checks the token itself
        # (bot.slack_status) and starts anyway unless Slack proves the token bad.
        authorize=_authorize(handoff),
        signing_secret=settings.slack_signing_secret or NO_SIGNING_SECRET,
        client=handoff.client,
        listener_executor=handoff.listeners,  # owned and stopped by the Handoff
        # Bolt calls each (guarded) listener on the request's thread and answers when it
        # returns; the guard runs the listener on `handoff.listeners` and returns at its ack
        # (handlers.errors.guarded), with no polling.
        process_before_response=True,
        # Bolt logs unhandled requests at WARNING with their body; keep lead details out.
        raise_error_for_unhandled_request=False,
    )
    # our own attribute on the Bolt App: the listeners' replay memory
    app._handoff_seen_signatures = SeenSignatures(  # type: ignore[attr-defined]
        handoff.db, handoff.signature_checks, writes=handoff.signature_records
    )
    respond.use_slack_respond(app)
    provide_handoff(app, handoff)  # before any other middleware or listener needs it
    respond.use_home_respond(app)
    register_listeners(app)
    return app


def _authorize(handoff: Handoff) -> Callable[..., AuthorizeResult]:
    """One workspace, one bot token; the bot's ids once our auth.test has succeeded (no
    listener needs them: they only let Bolt ignore the bot's own events)."""

    def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        identity = handoff.slack.identity if handoff.slack is not None else None
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            bot_token=handoff.client.token,
            bot_id=identity.bot_id if identity else None,
            bot_user_id=identity.user_id if identity else None,
        )

    return authorize


def register_listeners(app: App) -> None:
    errors.register(app)
    commands.register(app)
    actions.register(app)
    views.register(app)
    events.register(app)
