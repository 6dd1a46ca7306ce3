"""Every outbox key: the name under which a message is posted once (`outbox.enqueue(key=...)`)
and later found again to update it or reply in its thread (`target=`, `thread=`). Block and
action ids live beside this, in `bot.ids`.

These strings are stored in `outbox.key`/`slack_messages.key` of running databases: never change
one's bytes, or messages already sent are posted again and can no longer be updated.
"""

from __future__ import annotations

from datetime import date, datetime

# -- a lead's messages (bot.leads) ----------------------------------------------------------


def alert_key(lead_id: int, owner: str | None) -> str:
    """The owner's DM alert; reminders reply in its thread, the digest links to it."""
    return f"lead:{lead_id}:alert:{owner}"


def claim_key(lead_id: int) -> str:
    """The sales channel's "Claim" offer for a lead with no owner."""
    return f"lead:{lead_id}:claim"


def reminder_key(lead_id: int, cycle: int) -> str:
    return f"lead:{lead_id}:reminder:{cycle}"


def summary_key(rep: str, window: datetime) -> str:
    """One rep's folded reminders for one clock hour."""
    return f"lead-summary:{rep}:{window:%Y%m%d%H}"


def summary_update_key(summary: str, count: int) -> str:
    """The update that brings `summary` up to `count` folded leads."""
    return f"{summary}:{count}"


def fold_key(kind: str, recipient: str, first_lead_id: int) -> str:
    """One burst of alerts (kind "alert") or escalations ("escalation") to `recipient`, folded
    into one message past ALERT_BURST; named after the first lead folded into it."""
    return f"lead-fold:{kind}:{recipient}:{first_lead_id}"


def escalation_key(lead_id: int, cycle: int) -> str:
    return f"lead:{lead_id}:escalation:{cycle}"


def escalation_nudged_key(lead_id: int, cycle: int) -> str:
    """The update that shows the escalation was nudged."""
    return f"{escalation_key(lead_id, cycle)}:nudged"


def stuck_key(lead_id: int, cycle: int) -> str:
    """The note in an escalation's thread that the lead could not move on (REASSIGN_AFTER)."""
    return f"lead:{lead_id}:stuck:{cycle}"


def nudge_key(lead_id: int, cycle: int) -> str:
    """The escalation's Nudge DM to the rep."""
    return f"lead:{lead_id}:nudge:{cycle}"


# -- the digest (bot.digest) ----------------------------------------------------------------


def digest_key(manager_id: str, day: date) -> str:
    return f"digest:{manager_id}:{day.isoformat()}"


def digest_nudge_key(rep: str, window: int) -> str:
    """The digest's Nudge DM; `window` numbers the repeat window, so a double click sends one."""
    return f"digest-nudge:{rep}:{window}"


# -- campaigns and feedback -----------------------------------------------------------------


def announcement_key(campaign_id: int) -> str:
    return f"campaign:{campaign_id}:announcement"


def feedback_post_key(feedback_id: int) -> str:
    """Feedback posted to the marketing channel."""
    return f"feedback:{feedback_id}:post"


def feedback_reply_key(feedback_id: int) -> str:
    """Marketing's reply, DMed to the rep."""
    return f"feedback:{feedback_id}:reply"


# -- the weekly sync report (bot.reports) ---------------------------------------------------


def sync_report_key(week: str, channel: str) -> str:
    """The weekly report (`week` like 2026-W47) in one channel."""
    return f"sync-report:{week}:{channel}"


def sync_chart_key(week: str, channel: str) -> str:
    """The weekly report's chart, uploaded to one channel."""
    return f"sync-report:{week}:{channel}:chart"


# -- the App Home ---------------------------------------------------------------------------


def home_key(slack_id: str, token: str) -> str:
    """One publish of a person's Home; an older one still queued is superseded by a newer."""
    return f"{home_prefix(slack_id)}{token}"


def home_prefix(slack_id: str) -> str:
    return f"home:{slack_id}:"


# -- erasure (bot.erasure) ------------------------------------------------------------------


def erasure_key(lead_id: int, message_key: str) -> str:
    """The update that replaces a message's lead details with "Lead details erased on DATE"
    (once per message and lead: several leads erased from one digest each send one)."""
    return f"erase:{lead_id}:{message_key}"
