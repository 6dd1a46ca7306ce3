"""The App Home's own buttons: the manager's "Today's digest", the marketer's "New
campaign", "Edit" and "End", and the admin's "Forget a lead…" (its form's submissions are in
views/erasure.py). (Lead rows use the alert's buttons, overdue rows the escalation's Nudge and
the alert's Reassign, feedback rows "Reply to rep": their handlers are the ones in lead.py,
ladder.py and feedback.py.) Answers go to the person's DM with Handoff
(`handlers.respond.HomeRespond`)."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond

from bot import campaigns
from bot.digest import stale_leads_for
from bot.erasure import home as erasure
from bot.errors import Refusal
from bot.home.answers import campaign_command
from bot.ids import HomeIds
from bot.services import Handoff
from handlers.errors import guarded


def digest_callback(ack: Ack, body: dict, respond: Respond, handoff: Handoff) -> None:
    ack()
    message = stale_leads_for(handoff, body["user"]["id"])
    respond(**message.as_args())


def _open_form(
    handoff: Handoff, body: dict, respond: Respond, request: campaigns.CampaignCommand
) -> None:
    user_id = body["user"]["id"]
    try:
        with handoff.db.session() as session:
            form = campaigns.open_form(session, request, user_id=user_id, response_url=None)
    except Refusal as refused:
        respond(**refused.context["reply"].as_args())
        return
    handoff.client.views_open(trigger_id=body["trigger_id"], view=form)


def new_campaign_callback(ack: Ack, body: dict, respond: Respond, handoff: Handoff) -> None:
    ack()
    _open_form(handoff, body, respond, campaigns.CampaignCommand("new"))


def edit_campaign_callback(
    ack: Ack, body: dict, action: dict, respond: Respond, handoff: Handoff
) -> None:
    ack()
    with handoff.db.session() as session:
        request = campaign_command(session, "edit", action.get("value"))
    _open_form(handoff, body, respond, request)


def end_campaign_callback(
    ack: Ack, body: dict, action: dict, respond: Respond, handoff: Handoff
) -> None:
    ack()
    with handoff.db.session() as session:
        request = campaign_command(session, "end", action.get("value"))
        reply = campaigns.command_reply(
            session,
            request,
            user_id=body["user"]["id"],
            sales_channel=handoff.settings.sales_channel or "",
        )
    respond(**reply.as_args())


def forget_lead_callback(ack: Ack, body: dict, respond: Respond, handoff: Handoff) -> None:
    ack()
    try:
        form = erasure.open_form(handoff.db, body["user"]["id"])
    except Refusal as refused:
        respond(text=refused.message)
        return
    handoff.client.views_open(trigger_id=body["trigger_id"], view=form)


def register(app: App) -> None:
    app.action(HomeIds.DIGEST)(guarded(digest_callback))
    app.action(HomeIds.NEW_CAMPAIGN)(guarded(new_campaign_callback))
    app.action(HomeIds.EDIT_CAMPAIGN)(guarded(edit_campaign_callback))
    app.action(HomeIds.END_CAMPAIGN)(guarded(end_campaign_callback))
    app.action(HomeIds.FORGET_LEAD)(guarded(forget_lead_callback))
