"""The states stored as strings in the database, as `StrEnum`s: a member is its string (the
columns stay `Mapped[str]` and compare equal), so rows written before keep their meaning.

- `LeadStatus`: where a lead is in its owner's hands (`Lead.status`).
- `AssignedHow`: how a lead's current owner got it (`Lead.assigned_how`).
- `FeedbackKind`: who wrote a piece of feedback (`Feedback.kind`).
- `CampaignStatus`: a campaign brief's life (`Campaign.status`).
- `OutboxStatus`: a queued Slack call's life (`OutboxMessage.status`).
- `LeadStage`: how far a lead has gone in the sale (`Lead.stage`), from a CRM, the native
  `/leads` `stage` field or Slack; every change is kept in `LeadStageChange`.
"""

from __future__ import annotations

from enum import StrEnum


class LeadStatus(StrEnum):
    NEW = "new"
    CLAIMED = "claimed"  # acknowledged by its owner ("I'm on it")
    SNOOZED = "snoozed"
    CONTACTED = "contacted"
    NOT_FIT = "not_fit"


# A lead still waiting for its owner to act: shown in `/leads` and the Home tab, handed over
# on reassign, offered every button.
OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.CLAIMED, LeadStatus.SNOOZED)
# Statuses after which nothing about the lead is ever due. ("claimed" is not among them: a
# lead claimed from the sales channel still enters its owner's ladder; the clock, not the
# status, says what is due.) The digest leaves them out too.
CLOSED_STATUSES = (LeadStatus.CONTACTED, LeadStatus.NOT_FIT)


class LeadStage(StrEnum):
    NEW = "new"
    WORKING = "working"
    MEETING = "meeting"
    OPPORTUNITY = "opportunity"
    WON = "won"
    LOST = "lost"
    DISQUALIFIED = "disqualified"

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]

    @property
    def touched(self) -> bool:
        """Whether a lead at this stage has been worked: any stage past `new`."""
        return self is not LeadStage.NEW


# The outcomes a person can record from Slack, on a contacted lead's alert (its overflow menu).
SLACK_OUTCOMES = (LeadStage.MEETING, LeadStage.WON, LeadStage.LOST)

STAGE_LABELS = {
    LeadStage.NEW: "New",
    LeadStage.WORKING: "Contacted",
    LeadStage.MEETING: "Meeting booked",
    LeadStage.OPPORTUNITY: "Opportunity",
    LeadStage.WON: "Won",
    LeadStage.LOST: "Lost",
    LeadStage.DISQUALIFIED: "Disqualified",
}


class StageSource(StrEnum):
    """Who or what moved a lead to a stage (`LeadStageChange.by_kind`)."""

    SLACK = "slack"  # a person in Slack (`by` is their Slack user ID)
    CRM = "crm"  # a lead source (`by` is its display name, e.g. "HubSpot")


class AssignedHow(StrEnum):
    """How a lead's current owner got it (`Lead.assigned_how`); None: the CRM named them."""

    CRM = "crm"  # the CRM named (or changed) the owner
    CLAIMED = "claimed"  # claimed from the sales channel
    REASSIGNED = "reassigned"  # a person reassigned it (`Lead.assigned_by`)
    ROUND_ROBIN = "round_robin"  # round robin in a pool (`Lead.assigned_from` names it)
    # Handoff moved it on from `Lead.assigned_from`, who left it untouched for REASSIGN_AFTER.
    AUTO_REASSIGNED = "auto_reassigned"


class FeedbackKind(StrEnum):
    REP = "rep"  # `/feedback` or the alert's Feedback button
    LEAD_QUALITY = "lead_quality"  # a "Not a fit" reason from a lead alert


class CampaignStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SUPERSEDED = "superseded"  # an update made moot by a newer update of the same message
