"""Block, action and view ids, in one place, so a handler and the message that carries its
button cannot drift apart. Each feature owns one class."""

from __future__ import annotations

from enum import StrEnum


class CampaignIds(StrEnum):
    """The /campaign modal and the announcement's buttons."""


class LeadIds(StrEnum):
    """Lead alerts, the claim message, /leads and the manager escalation."""


class FeedbackIds(StrEnum):
    """/feedback posts, the alert's Feedback button and the reply loop."""

    # The "Feedback" button on a lead alert (rendered by the alerts, handled by feedback).
    LEAD_FEEDBACK_BUTTON = "lead_feedback"
