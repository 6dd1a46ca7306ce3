"""Sample contexts for lead alerts, claims, lists and lead modals."""

from __future__ import annotations

from typing import Any

from bot.models import Person
from tests.support.samples.registry import partial, sample
from tests.support.samples.shared import MOMENT, hostile_campaign, hostile_lead

# -- lead alerts ----------------------------------------------------------------------------


def _alert(hostile: str, status: str, campaign: bool = True, **state: Any) -> dict[str, Any]:
    from bot.leads.render import AlertState, alert_context

    lead = hostile_lead(hostile, email="ada@example.com", phone="+1 555 0100")
    return alert_context(
        lead,
        hostile_campaign(hostile) if campaign else None,
        AlertState(status, by="UREP1", at=MOMENT, until=MOMENT, **state),
    )


for _status in ("new", "claimed", "snoozed", "contacted", "not_fit"):
    sample("lead_alert", name=f"alert_{_status}")(
        lambda hostile, _s=_status: _alert(hostile, _s, reason=hostile)
    )
sample("lead_alert", name="alert_reassigned")(
    lambda hostile: _alert(hostile, "reassigned", new_owner="UREP2")
)
for _how, _from in (
    ("reassigned", "UREP1"),
    ("crm", "UREP1"),
    ("claimed", None),
    ("round_robin", "the team"),
):
    sample("lead_alert", name=f"alert_assigned_{_how}")(
        lambda hostile, _h=_how, _f=_from: {
            **_alert(hostile, "new"),
            "lead": hostile_lead(
                hostile, assigned_how=_h, assigned_by="UMGR1", assigned_from=_f, assigned_at=MOMENT
            ),
        }
    )
sample("lead_alert", name="alert_assigned_auto_reassigned")(
    lambda hostile: {
        **_alert(hostile, "new"),
        "lead": hostile_lead(
            hostile,
            assigned_how="auto_reassigned",
            assigned_from="UREP1",
            assigned_at=MOMENT,
            untouched_seconds=5400,
        ),
        "untouched": "1h 30m",
    }
)
sample("lead_alert", name="alert_moved_on")(
    lambda hostile: _alert(hostile, "reassigned", new_owner="UREP2", untouched="1h 30m")
)
sample("lead_alert", name="alert_assigned_round_robin_in_a_campaign_pool")(
    lambda hostile: {
        **_alert(hostile, "new"),
        "lead": hostile_lead(hostile, assigned_how="round_robin", assigned_from="campaign:7"),
        "pool": f"the {hostile} pool",
    }
)
sample("lead_alert", name="alert_unknown_code")(lambda hostile: _alert(hostile, "new", False))
sample("lead_alert", name="alert_hostile_contact")(
    lambda hostile: {**_alert(hostile, "new"), "lead": hostile_lead(hostile)}
)
sample("lead_alert_back")(lambda hostile: {"lead": hostile_lead(hostile)})
partial("lead_alert_details", "lead_alert", "lead_claim")
partial("lead_alert_buttons", "lead_alert", "leads_list")


@sample("lead_claim")
def lead_claim_open(hostile: str) -> dict[str, Any]:
    from bot.leads.render import claim_context

    return claim_context(hostile_lead(hostile, owner_id=None), None)


@sample("lead_claim")
def lead_claim_nobody_working(hostile: str) -> dict[str, Any]:
    from bot.leads.render import claim_context

    lead = hostile_lead(hostile, owner_id=None)
    return claim_context(lead, None, reason="nobody in the team is working and free now")


@sample("lead_claim")
def lead_claim_taken(hostile: str) -> dict[str, Any]:
    from bot.leads.render import claim_context

    lead = hostile_lead(hostile)
    return claim_context(lead, hostile_campaign(hostile), owner="UREP1", by="UREP1", at=MOMENT)


@sample("lead_claim")
def lead_claim_assigned_by_crm(hostile: str) -> dict[str, Any]:
    from bot.leads.render import claim_context

    return claim_context(hostile_lead(hostile), None, owner="UREP2", by=None, at=MOMENT)


@sample("leads_list")
def leads_list_long(hostile: str) -> dict[str, Any]:
    from bot.leads.listing import SHOWN, ListedLead, list_context
    from bot.leads.render import ACTIONS_BY_STATUS

    statuses = ["new", "claimed", "snoozed"]
    items = [
        ListedLead(
            hostile_lead(hostile, id=n, status=statuses[n % 3], snoozed_until=MOMENT),
            hostile,
            "3h 5m",
            ACTIONS_BY_STATUS[statuses[n % 3]],
            f"lead_list_actions:{n}",
        )
        for n in range(SHOWN)
    ]
    return list_context(items, total=SHOWN + 7)


@sample("leads_list", user_text=False)
def leads_list_empty(hostile: str) -> dict[str, Any]:
    from bot.leads.listing import list_context

    return list_context([], total=0)


@sample("lead_not_fit_modal", "view")
def lead_not_fit_modal(hostile: str) -> dict[str, Any]:
    from bot.leads.modals import Origin, not_fit_context

    origin = Origin(42, "https://hooks.slack.com/actions/T1/2/x")
    return not_fit_context(hostile_lead(hostile), hostile_campaign(hostile), origin)


@sample("lead_reassign_modal", "view")
def lead_reassign_modal(hostile: str) -> dict[str, Any]:
    from bot.leads.modals import Origin, reassign_context

    reps = [Person(slack_id=f"UREP{n}", name=hostile, role="rep") for n in range(100)]
    return reassign_context(hostile_lead(hostile), reps, Origin(42))


# -- routing: /leads why, /leads away and back -------------------------------------------------


@sample("leads_why")
def leads_why_routed(hostile: str) -> dict[str, Any]:
    lead = hostile_lead(hostile, assigned_how="round_robin", assigned_from=hostile)
    skipped = [{"slack_id": f"U{n:08d}", "skipped": hostile} for n in range(30)]
    decisions = [
        {
            "at": MOMENT,
            "pool": hostile,
            "chosen": "UREP1",
            "skipped": skipped,
            "eligible": 3,
            "moved_from": None,
        }
    ] * 5
    return {"lead": lead, "decisions": decisions, "untouched": None, "pool": f"the {hostile} pool"}


@sample("leads_why")
def leads_why_moved_on(hostile: str) -> dict[str, Any]:
    """Moved on by Handoff (REASSIGN_AFTER): once to a rep, once to nobody."""
    lead = hostile_lead(
        hostile, assigned_how="auto_reassigned", assigned_from="UREP1", auto_reassigns=2
    )
    skipped = [{"slack_id": f"U{n:08d}", "skipped": hostile} for n in range(30)]
    decisions = [
        {
            "at": MOMENT,
            "pool": hostile,
            "chosen": chosen,
            "skipped": skipped,
            "eligible": 1 if chosen else 0,
            "moved_from": "UREP1",
        }
        for chosen in ("UREP2", None, "UREP3", None, "UREP2")
    ]
    return {"lead": lead, "decisions": decisions, "untouched": "1h 30m", "pool": None}


@sample("leads_why")
def leads_why_never_routed(hostile: str) -> dict[str, Any]:
    lead = hostile_lead(hostile, assigned_how="reassigned", assigned_by="UMGR1")
    return {"lead": lead, "decisions": [], "untouched": None}


@sample("leads_away", user_text=False)
def leads_away_until(hostile: str) -> dict[str, Any]:
    return {"away": True, "until": MOMENT}


@sample("leads_away", user_text=False)
def leads_back(hostile: str) -> dict[str, Any]:
    return {"away": False, "until": None}
