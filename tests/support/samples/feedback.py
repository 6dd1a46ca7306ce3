"""Sample contexts for feedback posts, replies, modals and notices."""

from __future__ import annotations

from typing import Any

from tests.support.samples.campaigns import campaign_stats_ended
from tests.support.samples.registry import sample
from tests.support.samples.shared import MOMENT, hostile_campaign, hostile_lead

# -- feedback -------------------------------------------------------------------------------


def hostile_feedback(hostile: str, **changes: Any) -> Any:
    from bot.models import Feedback

    values: dict[str, Any] = {
        "id": 9,
        "campaign_id": 7,
        "campaign_inferred": False,
        "lead_id": None,
        "author_id": "UREP1",
        "kind": "rep",
        "text": hostile,
        "tags": ["pricing", "competitor"],
        "created_at": MOMENT,
        "reply_text": None,
        "replied_by": None,
        "replied_at": None,
    }
    values.update(changes)
    return Feedback(**values)


def _answered(hostile: str, **changes: Any) -> Any:
    return hostile_feedback(
        hostile, reply_text=hostile, replied_by="UMKT1", replied_at=MOMENT, **changes
    )


@sample("feedback_post")
def feedback_post_explicit(hostile: str) -> dict[str, Any]:
    from bot.feedback.service import post_context

    return post_context(hostile_feedback(hostile), hostile_campaign(hostile), None)


@sample("feedback_post")
def feedback_post_inferred_answered(hostile: str) -> dict[str, Any]:
    from bot.feedback.service import post_context

    feedback = _answered(hostile, campaign_inferred=True, text=f"first {hostile}\nsecond")
    return post_context(feedback, hostile_campaign(hostile), None)


@sample("feedback_post")
def feedback_post_lead_quality(hostile: str) -> dict[str, Any]:
    from bot.feedback.service import post_context

    feedback = hostile_feedback(hostile, kind="lead_quality", tags=["no_budget"], lead_id=42)
    return post_context(feedback, hostile_campaign(hostile), hostile_lead(hostile))


@sample("feedback_post")
def feedback_post_no_campaign(hostile: str) -> dict[str, Any]:
    from bot.feedback.service import post_context

    return post_context(hostile_feedback(hostile, campaign_id=None, tags=[]), None, None)


@sample("feedback_reply_dm")
def feedback_reply_dm_on_lead(hostile: str) -> dict[str, Any]:
    from bot.feedback.service import post_context

    feedback = _answered(hostile, lead_id=42)
    return post_context(feedback, hostile_campaign(hostile), hostile_lead(hostile))


@sample("feedback_reply_dm")
def feedback_reply_dm_no_campaign(hostile: str) -> dict[str, Any]:
    from bot.feedback.service import post_context

    return post_context(_answered(hostile, campaign_id=None), None, None)


@sample("feedback_reply_modal", "view")
def feedback_reply_modal(hostile: str) -> dict[str, Any]:
    from bot.feedback.replies import REPLY_LIMIT
    from bot.feedback.service import post_context

    context = post_context(hostile_feedback(hostile), hostile_campaign(hostile), None)
    return {**context, "limit": REPLY_LIMIT}


@sample("feedback_lead_modal", "view")
def feedback_lead_modal_with_campaign(hostile: str) -> dict[str, Any]:
    from bot.leads.feedback import LeadOrigin, lead_modal_context

    origin = LeadOrigin(42, "https://hooks.slack.com/actions/T1/2/x")
    return lead_modal_context(hostile_lead(hostile), hostile_campaign(hostile), origin)


@sample("feedback_lead_modal", "view")
def feedback_lead_modal_without_campaign(hostile: str) -> dict[str, Any]:
    from bot.leads.feedback import LeadOrigin, lead_modal_context

    return lead_modal_context(hostile_lead(hostile, company=None), None, LeadOrigin(42))


sample("feedback_notice", user_text=False, name="feedback_usage")(
    lambda hostile: _feedback_notice("usage", "")
)
for _kind in ("too_long", "not_on_roster", "not_configured", "failed"):
    sample("feedback_notice", name=f"feedback_{_kind}")(
        lambda hostile, _k=_kind: _feedback_notice(_k, hostile)
    )
sample("feedback_notice", name="feedback_no_text")(
    lambda hostile: _feedback_notice("no_text", hostile, code=hostile)
)
sample("feedback_notice", name="feedback_sent_inferred")(
    lambda hostile: _feedback_sent(hostile, hostile_campaign(hostile), hostile, "https://x.test/p1")
)
sample("feedback_notice", user_text=False, name="feedback_sent_shortly")(
    lambda hostile: _feedback_sent(hostile, None, None, None)
)


def _feedback_notice(kind: str, hostile: str, **context: Any) -> dict[str, Any]:
    from bot.feedback.text import MAX_LENGTH, TAGS, give_back

    return {
        "kind": kind,
        "typed": give_back(hostile),
        "length": len(hostile),
        "limit": MAX_LENGTH,
        "example": "/feedback spring #pricing Too expensive",
        "tags": TAGS,
        "campaign": None,
        "inferred_from": None,
        "permalink": None,
        "channel_id": "CMARKETING",
        "sent_tags": [],
        "code": None,
        "error_id": "1a2b3c4d",
        **context,
    }


def _feedback_sent(hostile: str, campaign: Any, inferred: str | None, link: str | None) -> Any:
    return _feedback_notice(
        "sent",
        "",
        campaign=campaign,
        inferred_from=inferred,
        permalink=link,
        sent_tags=["pricing", "praise"],
    )


@sample("campaign_stats")
def campaign_stats_with_feedback(hostile: str) -> dict[str, Any]:
    latest = [
        hostile_feedback(hostile),
        _answered(hostile, kind="lead_quality", tags=["spam"]),
        hostile_feedback(hostile, tags=[]),
    ]
    return {
        **campaign_stats_ended(hostile),
        "since": None,
        "tags": {"pricing": 5, "competitor": 2, "praise": 1},
        "feedback": 12,
        "latest": latest,
    }
