"""Sample contexts for reminders, escalations and nudges (the ladder)."""

from __future__ import annotations

import itertools
from typing import Any

from tests.support.samples.registry import sample
from tests.support.samples.shared import MOMENT, hostile_campaign, hostile_lead

# -- the ladder (reminders, the noise-budget summary, escalations, nudges) -----------------


def _ladder_line(hostile: str, **changes: Any) -> Any:
    from bot.leads.pings import LeadLine

    stuck = changes.pop("stuck", None)
    lead = hostile_lead(hostile, **changes)
    return LeadLine(lead, hostile_campaign(hostile), "2d 14h", stuck=stuck)


for _threaded, _then in itertools.product((True, False), ("escalate", "move", "escalate_move")):
    sample("lead_reminder", name=f"reminder_threaded_{_threaded}_{_then}")(
        lambda hostile, _t=_threaded, _n=_then: {
            "item": _ladder_line(hostile),
            "threaded": _t,
            "then": _n,
        }
    )
sample("lead_reminder", name="reminder_plain_contact")(
    lambda hostile: {
        "item": _ladder_line(hostile, email="ada@example.com", phone="+1 555 0100"),
        "threaded": False,
        "then": "escalate",
    }
)
sample("lead_ping_summary")(
    lambda hostile: {"items": [_ladder_line(hostile, id=n) for n in range(80)], "budget": 20}
)


def _escalation(hostile: str, **kw: Any) -> dict[str, Any]:
    from bot.leads.pings import escalation_context

    return escalation_context(_ladder_line(hostile, email="ada@example.com"), 3, **kw)


sample("lead_escalation", name="escalation_to_manager")(
    lambda hostile: _escalation(hostile, in_channel=False)
)
sample("lead_escalation", name="escalation_in_channel_nudged")(
    lambda hostile: _escalation(hostile, in_channel=True, nudged_by="UMGR1", nudged_at=MOMENT)
)
sample("lead_escalation", name="escalation_stuck")(
    lambda hostile: {
        **_escalation(hostile, in_channel=True),
        "item": _ladder_line(hostile, stuck=f"nobody else in {hostile} is working and free now"),
    }
)
sample("lead_escalation_stuck")(
    lambda hostile: {
        "item": _ladder_line(hostile, stuck=f"nobody else in {hostile} is working and free now")
    }
)
sample("lead_escalation", name="escalation_no_campaign")(
    lambda hostile: {
        **_escalation(hostile, in_channel=False),
        "item": _ladder_line(hostile, email=None, phone=None, score=None, source=None),
    }
)


def _settled(kind: str, **kw: Any) -> Any:
    def build(hostile: str) -> dict[str, Any]:
        from bot.leads.escalations import Outcome

        outcome = Outcome(kind, "UREP1", MOMENT, "4m", **kw)
        context = _escalation(hostile, in_channel=False)
        return {**context, "outcome": outcome, "escalated_at": MOMENT}

    return build


for _kind, _extra in (
    ("claimed", {}),
    ("contacted", {}),
    ("not_fit", {}),
    ("snoozed", {"until": MOMENT}),
    ("reassigned", {"new_owner": "UREP2"}),
    ("moved_on", {"new_owner": "UREP2", "untouched": "1h 30m"}),
    ("unassigned", {}),
):
    sample("lead_escalation", name=f"escalation_settled_{_kind}")(_settled(_kind, **_extra))

sample("lead_escalation_nudge")(
    lambda hostile: {
        "item": _ladder_line(hostile),
        "actor": "UMGR1",
        "alert_url": "https://slack.com/app_redirect?channel=D1&message_ts=1.2",
    }
)
sample("lead_escalation_nudge", name="nudge_alert_not_posted")(
    lambda hostile: {"item": _ladder_line(hostile), "actor": "UMGR1", "alert_url": None}
)
sample("lead_escalation_nudged")(lambda hostile: {"item": _ladder_line(hostile), "owner": "UREP1"})


# -- ALERT_BURST folding (bot.leads.folding) ------------------------------------------------

_FOLD_STATES = ("new", "claimed", "snoozed", "contacted", "not_fit", "moved", "nudged")


def _fold(hostile: str, count: int, *, escalation: bool, in_channel: bool = False) -> Any:
    from bot.leads.folding import FoldedLead, fold_context

    rows = []
    for n in range(count):
        state = _FOLD_STATES[n % len(_FOLD_STATES)]
        lead = hostile_lead(hostile, id=n + 1, status_by="UREP1", snoozed_until=MOMENT)
        button = ("nudge" if escalation else "ack") if state in ("new", "snoozed") else None
        campaign = hostile_campaign(hostile) if n % 3 else None
        if n % 3 == 0:
            lead.campaign_code = None if n % 2 else hostile
        value = f"{n + 1}:2" if escalation else str(n + 1)
        rows.append(FoldedLead(lead, campaign, 2, "3m", button, state, value))
    return fold_context(rows, in_channel=in_channel)


sample("lead_fold", name="fold_of_three")(lambda hostile: _fold(hostile, 7, escalation=False))
sample("lead_fold", name="fold_past_the_block_limit")(
    lambda hostile: _fold(hostile, 60, escalation=False)
)
sample("lead_escalation_fold", name="escalation_fold_to_manager")(
    lambda hostile: _fold(hostile, 7, escalation=True)
)
sample("lead_escalation_fold", name="escalation_fold_in_channel_long")(
    lambda hostile: _fold(hostile, 60, escalation=True, in_channel=True)
)
