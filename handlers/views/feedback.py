"""Feedback modals' submissions: problems stay in the modal with the text kept; success closes
it. Saving is one short transaction before the ack, so a problem can still be shown inline."""

from __future__ import annotations

from slack_bolt import Ack, App

from bot import feedback
from bot.errors import Refusal
from bot.ids import FeedbackIds
from bot.leads.feedback import LeadOrigin, send_lead_feedback, text_problem
from bot.services import Handoff
from handlers.errors import guarded
from handlers.respond import respond_to


def typed(view: dict, block: str) -> str:
    values = view.get("state", {}).get("values", {})
    return (values.get(block, {}).get(FeedbackIds.INPUT, {}).get("value") or "").strip()


def lead_feedback_submitted(ack: Ack, body: dict, view: dict, handoff: Handoff) -> None:
    settings = handoff.settings
    text = typed(view, FeedbackIds.TEXT_BLOCK)
    problem = text_problem(text)
    if problem is not None:
        ack(response_action="errors", errors={FeedbackIds.TEXT_BLOCK: problem})
        return
    try:
        origin = LeadOrigin.load(view.get("private_metadata"))
        with handoff.db.session() as session:
            sent = send_lead_feedback(
                session, settings=settings, origin=origin, actor=body["user"]["id"], text=text
            )
    except Refusal as refused:
        ack(response_action="errors", errors={FeedbackIds.TEXT_BLOCK: refused.message})
        return
    ack()
    if origin.response_url is None:
        return
    respond = respond_to(origin.response_url, handoff.client)

    def confirm(permalink: str | None) -> None:
        reply = feedback.confirmation(
            campaign=sent.campaign,
            inferred_from=None,
            tags=sent.tags,
            permalink=permalink,
            channel_id=settings.marketing_channel,
        )
        respond(**reply.as_args(), response_type="ephemeral", replace_original=False)

    handoff.permalinks.when_posted(sent.post_key, confirm)


def reply_submitted(ack: Ack, body: dict, view: dict, handoff: Handoff) -> None:
    try:
        with handoff.db.session() as session:
            feedback.save_reply(
                session,
                settings=handoff.settings,
                fid=feedback.feedback_id(view.get("private_metadata")),
                user=body["user"]["id"],
                text=typed(view, FeedbackIds.REPLY_BLOCK),
            )
    except Refusal as problem:
        ack(response_action="errors", errors={FeedbackIds.REPLY_BLOCK: problem.message})
        return
    ack()


def register(app: App) -> None:
    app.view(FeedbackIds.LEAD_VIEW)(guarded(lead_feedback_submitted))
    app.view(FeedbackIds.REPLY_VIEW)(guarded(reply_submitted))
