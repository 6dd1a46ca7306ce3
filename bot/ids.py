"""Block, action and view ids, in one place, so a handler and the message that carries its
button cannot drift apart. Each feature owns one class."""

from __future__ import annotations

from enum import StrEnum


class CampaignIds(StrEnum):
    """The /campaign modal and the announcement's buttons."""

    # The create/edit modal; every input's action_id is INPUT (unique within its block).
    MODAL = "campaign_modal"
    INPUT = "value"
    NAME_BLOCK = "campaign_name"
    CODE_BLOCK = "campaign_code"
    AUDIENCE_BLOCK = "campaign_audience"
    OFFER_BLOCK = "campaign_offer"
    TALKING_POINTS_BLOCK = "campaign_talking_points"
    LANDING_URL_BLOCK = "campaign_landing_url"
    STARTS_BLOCK = "campaign_starts_on"
    ENDS_BLOCK = "campaign_ends_on"
    HOT_SCORE_BLOCK = "campaign_hot_score"
    REPS_BLOCK = "campaign_reps"  # its round-robin pool (multi_users_select; empty: the team)
    # The announcement in the sales channel; the button's value is the campaign's id.
    ANNOUNCEMENT_ACTIONS = "campaign_announcement_actions"
    GOT_IT = "campaign_got_it"
    UNREAD = "campaign_unread"  # "Who hasn't read it?": for the brief's marketer and admins


class LeadIds(StrEnum):
    """Lead alerts, the claim message, /leads and the manager escalation."""

    # Buttons on an alert, the claim message and /leads rows; `value` is the lead's id.
    CLAIM = "lead_claim"
    ACK = "lead_ack"
    CONTACTED = "lead_contacted"
    SNOOZE = "lead_snooze"  # a static_select; each option's value is "<lead id>:<length>"
    NOT_FIT = "lead_not_fit"
    REASSIGN = "lead_reassign"
    # The outcome menu (an overflow) on a contacted lead's alert; each option's value is
    # "<lead id>:<stage>" (meeting, won or lost).
    OUTCOME = "lead_outcome"
    WAKE = "lead_wake"  # "Cancel snooze" on a snoozed lead
    # block_id prefixes of the buttons' actions block: "<prefix>:<lead id>".
    ALERT_ACTIONS = "lead_alert_actions"
    CLAIM_ACTIONS = "lead_claim_actions"
    LIST_ACTIONS = "lead_list_actions"
    FOLD_ROW = "lead_fold_row"  # a lead's row in a folded burst (`bot.leads.folding`)
    # The "Not a fit" modal.
    NOT_FIT_VIEW = "lead_not_fit_view"
    NOT_FIT_REASON_BLOCK = "not_fit_reason"
    NOT_FIT_REASON = "reason"
    NOT_FIT_NOTE_BLOCK = "not_fit_note"
    NOT_FIT_NOTE = "note"
    # The "Reassign" modal.
    REASSIGN_VIEW = "lead_reassign_view"
    REASSIGN_TO_BLOCK = "reassign_to"
    REASSIGN_TO = "rep"


class FeedbackIds(StrEnum):
    """/feedback posts, the alert's Feedback button and the reply loop."""

    # The "Feedback" button on a lead alert (rendered by the alerts, handled by feedback).
    LEAD_FEEDBACK_BUTTON = "lead_feedback"
    # The modal it opens; private_metadata is JSON {"lead": id, "url": response_url}.
    LEAD_VIEW = "feedback_lead_view"
    TEXT_BLOCK = "feedback_text"
    INPUT = "value"  # every input's action_id (unique within its block)
    # "Reply to rep" on the marketing post; `value` is the feedback's id.
    REPLY = "feedback_reply"
    # block_id prefix of the post's actions block: "<prefix>:<feedback id>".
    POST_ACTIONS = "feedback_post_actions"
    # The reply modal; private_metadata is the feedback's id.
    REPLY_VIEW = "feedback_reply_view"
    REPLY_BLOCK = "feedback_reply_text"


class DigestIds(StrEnum):
    """The managers' daily digest and `/leads stale` (Reassign reuses LeadIds.REASSIGN)."""

    # "Nudge" on a rep's row; `value` is the rep's Slack user id.
    NUDGE = "digest_nudge"
    # block_id prefixes: "<prefix>:<rep id>" for a rep's row, "<prefix>:<lead id>" for a lead.
    REP_BLOCK = "digest_rep"
    LEAD_BLOCK = "digest_lead"


class LadderIds(StrEnum):
    """The escalation to a rep's manager (its Reassign button is LeadIds.REASSIGN)."""

    # "Nudge": DMs the rep; `value` is "<lead id>:<cycle>".
    NUDGE = "ladder_nudge"
    # block_id prefix of the escalation's actions block: "<prefix>:<lead id>".
    ESCALATION_ACTIONS = "lead_escalation_actions"


class HomeIds(StrEnum):
    """The App Home's own buttons. Lead rows reuse the alert's buttons (LeadIds), overdue rows
    the escalation's Nudge (LadderIds.NUDGE) and Reassign, feedback rows Reply
    (FeedbackIds.REPLY): one action, one handler."""

    # block_id prefix of a queue row's actions: "<prefix>:<lead id>" (not LeadIds.LIST_ACTIONS,
    # so a click is not answered by redrawing a /leads list).
    LEAD_ACTIONS = "home_lead_actions"
    # block_id prefix of an overdue lead's actions on the manager's board.
    OVERDUE_ACTIONS = "home_overdue_actions"
    # The manager's "Today's digest": DMs the digest as of now; no value.
    DIGEST = "home_digest"
    # The marketer's "New campaign" (no value), "Edit" and "End" (value: the campaign's id).
    NEW_CAMPAIGN = "home_campaign_new"
    EDIT_CAMPAIGN = "home_campaign_edit"
    END_CAMPAIGN = "home_campaign_end"
    CAMPAIGN_ACTIONS = "home_campaign_actions"
    # The admin's "Forget a lead…": opens the erasure form (ErasureIds); no value.
    FORGET_LEAD = "home_forget_lead"


class ErasureIds(StrEnum):
    """Erasing a lead from the admin's Home: a form, then a confirmation (bot.erasure.home)."""

    # The form: an email address or a CRM id; every input's action_id is INPUT.
    FORM_VIEW = "erasure_form"
    EMAIL_BLOCK = "erasure_email"
    ID_BLOCK = "erasure_id"
    INPUT = "value"
    # The confirmation (what the dry run found); private_metadata is JSON
    # {"email": …, "id": …, "leads": [lead ids shown]}; its submit erases.
    CONFIRM_VIEW = "erasure_confirm"


class RoutingIds(StrEnum):
    """Round robin's switches."""

    # The Home tab's "I'm away" / "I'm back" button (a rep's own switch; no value needed).
    AWAY_TOGGLE = "routing_away_toggle"
