"""Customer feedback from reps to marketing, and marketing's answers.

text.py     what a rep typed: limits, tags, campaign code, and the short answers
service.py  storing feedback and posting it to MARKETING_CHANNEL (through the outbox);
            `record_lead_quality` for the alerts' "Not a fit" reasons
            (the "Feedback" button on a lead alert is bot.leads.feedback)
replies.py  "Reply to rep": the modal, the DM to the rep, the post marked answered
summary.py  a campaign's feedback by tag and the latest lines, for `/campaign stats`
(waiting for the post's permalink to confirm to the rep: bot.permalinks)
"""

from bot.feedback.replies import REPLY_LIMIT, feedback_id, reply_view, save_reply
from bot.feedback.service import (
    Sent,
    post_message,
    record_lead_quality,
    submit_feedback,
)
from bot.feedback.summary import FeedbackSummary, feedback_summary
from bot.feedback.text import (
    MAX_LENGTH,
    TAGS,
    command_text,
    confirmation,
    notice,
    precheck,
    tags_in,
)

__all__ = [
    "MAX_LENGTH",
    "REPLY_LIMIT",
    "TAGS",
    "FeedbackSummary",
    "Sent",
    "command_text",
    "confirmation",
    "feedback_id",
    "feedback_summary",
    "notice",
    "post_message",
    "precheck",
    "record_lead_quality",
    "reply_view",
    "save_reply",
    "submit_feedback",
    "tags_in",
]
