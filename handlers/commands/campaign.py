"""`/campaign`: the create/edit modal (marketers and admins) and the ephemeral subcommands."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot import campaigns
from bot.errors import Refusal
from bot.models import utcnow
from bot.outcomes.stats import stats_reply
from bot.services import Handoff
from handlers.errors import guarded


def ack_args(_command: dict) -> dict[str, Any]:
    """The ack: always empty (the answer follows through `respond`)."""
    return {}


def campaign_callback(ack: Ack, command: dict, respond: Respond, handoff: Handoff) -> None:
    ack(**ack_args(command))
    request = campaigns.parse_command(command.get("text"))
    user_id = command["user_id"]
    if request.action in ("new", "edit"):
        # The role check and the campaign lookup come first; the modal opens at once after.
        try:
            with handoff.db.session() as session:
                form = campaigns.open_form(
                    session, request, user_id=user_id, response_url=command.get("response_url")
                )
        except Refusal as refused:
            reply = refused.context["reply"]
        else:
            handoff.client.views_open(trigger_id=command["trigger_id"], view=form)
            return
    elif request.action == "stats":
        reply = stats_reply(handoff, request.code, now=utcnow())
    else:
        # Only `end` writes: the rest read, which on SQLite never waits for a writer.
        unit = handoff.db.session if request.action == "end" else handoff.db.read_session
        with unit() as session:
            reply = campaigns.command_reply(
                session,
                request,
                user_id=user_id,
                sales_channel=handoff.settings.sales_channel or "",
            )
    respond(**reply.as_args(), response_type="ephemeral")


def register(app: App) -> None:
    app.command("/campaign")(guarded(campaign_callback))
