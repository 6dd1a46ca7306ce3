"""Feedback buttons: "Feedback" on a lead alert opens the one-line modal; "Reply to rep" on
the marketing post opens the reply modal (marketers and admins only). A refusal is a
Refusal, answered privately by the error boundary (handlers/errors.py)."""

from __future__ import annotations

from slack_bolt import Ack, App

from bot import feedback
from bot.ids import FeedbackIds
from bot.leads.actions import lead_id
from bot.leads.feedback import LeadOrigin, lead_view
from bot.services import Handoff
from handlers.errors import guarded


def lead_feedback_callback(ack: Ack, body: dict, action: dict, handoff: Handoff) -> None:
    ack()
    origin = LeadOrigin(lead_id(action.get("value")), body.get("response_url"))
    with handoff.db.session() as session:
        view = lead_view(session, origin, body["user"]["id"])
    handoff.client.views_open(trigger_id=body["trigger_id"], view=view)


def reply_callback(ack: Ack, body: dict, action: dict, handoff: Handoff) -> None:
    ack()
    with handoff.db.session() as session:
        view = feedback.reply_view(
            session, feedback.feedback_id(action.get("value")), body["user"]["id"]
        )
    handoff.client.views_open(trigger_id=body["trigger_id"], view=view)


def register(app: App) -> None:
    app.action(FeedbackIds.LEAD_FEEDBACK_BUTTON)(guarded(lead_feedback_callback))
    app.action(FeedbackIds.REPLY)(guarded(reply_callback))
