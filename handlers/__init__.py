"""Slack listeners. Each kind registers its own; listeners ack first and call `bot/` services."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App

from bot.logsetup import quiet_libraries
from bot.replays import SeenSignatures
from bot.services import Handoff
from handlers import actions, commands, errors, events, respond, views

# Bolt wants a signing secret even in Socket Mode, which does not sign; `handlers.http` refuses
# every HTTP request of an app that has only this placeholder.
NO_SIGNING_SECRET = "socket-mode-needs-no-secret"  # noqa: S105 (a placeholder, not a secret)


def build_bolt_app(handoff: Handoff) -> App:
    settings = handoff.settings
    quiet_libraries()
    app = App(
        token=settings.slack_bot_token,
        signing_secret=settings.slack_signing_secret or NO_SIGNING_SECRET,
        client=handoff.client,
        listener_executor=ThreadPoolExecutor(max_workers=32, thread_name_prefix="listener"),
        # Bolt logs unhandled requests at WARNING with their body; keep lead details out.
        raise_error_for_unhandled_request=False,
    )
    app._handoff_seen_signatures = SeenSignatures(handoff.db)  # type: ignore[attr-defined]
    respond.use_slack_respond(app)
    register_listeners(app, handoff)
    errors.guard_listeners(app)
    return app


def register_listeners(app: App, handoff: Handoff) -> None:
    errors.register(app)
    commands.register(app, handoff)
    actions.register(app, handoff)
    views.register(app, handoff)
    events.register(app, handoff)
