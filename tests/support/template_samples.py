"""A sample context for every template in templates/, for tests/test_templates_hostile.py.

That test renders every `templates/*.json.j2` with hostile text (quotes, newlines, `<!channel>`,
`&`, 10,000 characters, emoji, right-to-left text ...) and fails for a template that has no
entry here. When you add a template, register one or more sample contexts for it:

    @sample("lead_alert")                       # kind="view" for modals and the Home tab
    def lead_alert_new(hostile: str) -> dict:
        return {"lead": make_lead(name=hostile, company=hostile, note=hostile), ...}

Put `hostile` wherever a person or a CRM supplies text (names, notes, briefs, feedback ...):
the test checks that it shows up, escaped, and pings nobody. Keep ids and other app data
realistic. `user_text=False` marks a variant with no such text. A template that is only ever
`{% include %}`d by others is registered with `partial("name", "includer", ...)` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from bot.campaigns import CampaignForm, CampaignStats, FormMetadata, ReadCount
from bot.ids import CampaignIds
from bot.models import Campaign, Person

Context = Callable[[str], dict[str, Any]]


@dataclass(frozen=True)
class TemplateSample:
    template: str
    name: str
    kind: Literal["message", "view"]
    context: Context
    user_text: bool = True


SAMPLES: dict[str, list[TemplateSample]] = {}
PARTIALS: dict[str, tuple[str, ...]] = {}


def sample(
    template: str,
    kind: Literal["message", "view"] = "message",
    *,
    user_text: bool = True,
    name: str | None = None,
) -> Callable[[Context], Context]:
    """Register `context(hostile) -> dict` as a sample for `templates/{template}.json.j2`."""

    def register(context: Context) -> Context:
        label = name or context.__name__
        SAMPLES.setdefault(template, []).append(
            TemplateSample(template, label, kind, context, user_text)
        )
        return context

    return register


def partial(template: str, *included_by: str) -> None:
    """`templates/{template}.json.j2` is only included by these templates (which have samples)."""
    PARTIALS[template] = included_by


# -- shared builders ------------------------------------------------------------------------

MOMENT = datetime(2025, 3, 3, 14, 30, tzinfo=UTC)


def hostile_campaign(hostile: str, **changes: Any) -> Campaign:
    values: dict[str, Any] = {
        "id": 7,
        "code": hostile[:80],
        "name": hostile,
        "audience": hostile,
        "offer": hostile,
        "talking_points": hostile,
        "landing_url": "https://example.com/spring?utm_campaign=spring&x=<y>",
        "starts_on": date(2025, 3, 1),
        "ends_on": date(2025, 4, 30),
        "hot_score": 70,
        "status": "active",
        "created_by": "UMKT1",
        "created_at": MOMENT,
        "updated_at": MOMENT,
        "ended_at": None,
    }
    values.update(changes)
    return Campaign(**values)


# -- Home tab -------------------------------------------------------------------------------


@sample("home", "view")
def home_with_leads(hostile: str) -> dict[str, Any]:
    from bot.home import HomeLead

    return {
        "person": Person(slack_id="UREP1", name=hostile, role="rep"),
        "leads": [HomeLead(hostile, hostile, hostile, "12m", "new")] * 12,
        "more_leads": True,
        "campaigns": [hostile_campaign(hostile)] * 12,
        "more_campaigns": True,
    }


@sample("home", "view", user_text=False)
def home_stranger(hostile: str) -> dict[str, Any]:
    return {
        "person": None,
        "leads": [],
        "more_leads": False,
        "campaigns": [],
        "more_campaigns": False,
    }


# -- campaigns ------------------------------------------------------------------------------


@sample("campaign_modal", "view")
def campaign_modal_edit(hostile: str) -> dict[str, Any]:
    from bot.campaigns.form import modal_context

    form = CampaignForm.from_campaign(hostile_campaign(hostile))
    return modal_context(form, FormMetadata(7, "https://hooks.slack.com/commands/T1/2/x"))


@sample("campaign_modal", "view", user_text=False)
def campaign_modal_new(hostile: str) -> dict[str, Any]:
    from bot.campaigns.form import modal_context

    return modal_context(CampaignForm(), FormMetadata(None, None))


@sample("campaign_announcement")
def campaign_announcement_open(hostile: str) -> dict[str, Any]:
    return {
        "ids": CampaignIds,
        "campaign": hostile_campaign(hostile),
        "reads": ReadCount(3, 12),
        "ended": False,
    }


@sample("campaign_announcement")
def campaign_announcement_ended(hostile: str) -> dict[str, Any]:
    campaign = hostile_campaign(
        hostile, status="ended", ended_at=MOMENT, landing_url=None, hot_score=None, starts_on=None
    )
    return {"ids": CampaignIds, "campaign": campaign, "reads": ReadCount(0, 0), "ended": True}


@sample("campaign_list")
def campaign_list_many(hostile: str) -> dict[str, Any]:
    return {"campaigns": [hostile_campaign(hostile)] * 60}


@sample("campaign_list", user_text=False)
def campaign_list_empty(hostile: str) -> dict[str, Any]:
    return {"campaigns": []}


@sample("campaign_stats")
def campaign_stats_ended(hostile: str) -> dict[str, Any]:
    return {
        "campaign": hostile_campaign(hostile, status="ended"),
        "stats": CampaignStats(
            leads=12, hot_leads=5, touched=4, median_first_touch=None, feedback=2
        ),
        "median": "14m",
    }


def _help(problem: str | None, hostile: str) -> dict[str, Any]:
    return {
        "problem": problem,
        "example": hostile,
        "typed": hostile,
        "code": hostile,
        "subcommand": "stats",
    }


for _problem in (None, "unknown_subcommand", "missing_code", "unknown_code"):
    sample("campaign_help", name=f"help_{_problem}")(
        lambda hostile, _p=_problem: _help(_p, hostile)
    )


for _kind in (
    "created",
    "updated",
    "ended",
    "already",
    "read_recorded",
    "read_not_counted",
    "read_already",
):
    sample("campaign_notice", name=f"notice_{_kind}")(
        lambda hostile, _k=_kind: {
            "kind": _k,
            "campaign": hostile_campaign(hostile),
            "channel_id": "CSALES",
            "permalink": "https://acme.slack.com/archives/CSALES/p1700000000000100",
            "linked": 2,
        }
    )

for _kind in ("refused", "read_unknown"):
    sample("campaign_notice", user_text=False, name=f"notice_{_kind}")(
        lambda hostile, _k=_kind: {"kind": _k}
    )


# -- lead alerts ----------------------------------------------------------------------------


def hostile_lead(hostile: str, **changes: Any) -> Any:
    from bot.models import Lead

    values: dict[str, Any] = {
        "id": 42,
        "external_id": "crm-42",
        "name": hostile,
        "title": hostile,
        "company": hostile,
        "email": hostile,
        "phone": hostile,
        "score": 91,
        "source": hostile,
        "note": hostile,
        "campaign_code": hostile[:80],
        "owner_id": "UREP1",
        "status": "new",
        "received_at": MOMENT,
        "created_at": MOMENT,
    }
    values.update(changes)
    return Lead(**values)


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


# -- the ladder (reminders, the noise-budget summary, escalations, nudges) -----------------


def _ladder_line(hostile: str, **changes: Any) -> Any:
    from bot.leads.pings import LeadLine

    lead = hostile_lead(hostile, **changes)
    return LeadLine(lead, hostile_campaign(hostile), "2d 14h")


for _threaded in (True, False):
    sample("lead_reminder", name=f"reminder_threaded_{_threaded}")(
        lambda hostile, _t=_threaded: {"item": _ladder_line(hostile), "threaded": _t}
    )
sample("lead_reminder", name="reminder_plain_contact")(
    lambda hostile: {
        "item": _ladder_line(hostile, email="ada@example.com", phone="+1 555 0100"),
        "threaded": False,
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
sample("lead_escalation", name="escalation_no_campaign")(
    lambda hostile: {
        **_escalation(hostile, in_channel=False),
        "item": _ladder_line(hostile, email=None, phone=None, score=None, source=None),
    }
)
sample("lead_escalation_nudge")(lambda hostile: {"item": _ladder_line(hostile), "actor": "UMGR1"})
sample("lead_escalation_nudged")(lambda hostile: {"item": _ladder_line(hostile), "owner": "UREP1"})


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
    from bot.feedback.summary import FeedbackSummary

    latest = [
        hostile_feedback(hostile),
        _answered(hostile, kind="lead_quality", tags=["spam"]),
        hostile_feedback(hostile, tags=[]),
    ]
    summary = FeedbackSummary(
        12, {"pricing": 5, "competitor": 2, "praise": 1}, latest, lead_quality=4
    )
    return {**campaign_stats_ended(hostile), "feedback": summary}


# -- the daily digest -----------------------------------------------------------------------


def _digest(hostile: str, reps: int, leads: int) -> Any:
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from bot.digest.build import DigestContent
    from bot.digest.figures import Figure, TeamFigures
    from bot.digest.query import RepStale, StaleLead

    def lead(n: int) -> StaleLead:
        return StaleLead(
            n,
            hostile,
            hostile,
            90,
            n % 2 == 0,
            MOMENT - timedelta(days=3),
            hostile,
            "https://slack.com/app_redirect?channel=DREP1&message_ts=1700000000.000100",
        )

    rows = [
        RepStale(
            f"UREP{r}", hostile, leads, leads // 2, MOMENT, [lead(r * 100 + n) for n in range(10)]
        )
        for r in range(reps)
    ]
    figure = Figure(hostile, 4, 3, [timedelta(minutes=5), timedelta(minutes=40)])
    team = TeamFigures(MOMENT.date(), Figure(None, 9, 5, [timedelta(minutes=7)]), [figure] * 8, 3)
    return DigestContent(
        "UMGR1", hostile, ZoneInfo("America/New_York"), MOMENT.date(), MOMENT, rows, team, {}
    )


@sample("digest")
def digest_cut_at_fifty_blocks(hostile: str) -> dict[str, Any]:
    from bot.config import Settings
    from bot.digest.build import digest_context

    return digest_context(_digest(hostile, reps=30, leads=25), Settings())


@sample("digest")
def digest_on_demand(hostile: str) -> dict[str, Any]:
    from bot.config import Settings
    from bot.digest.build import digest_context

    return digest_context(_digest(hostile, reps=2, leads=3), Settings(), on_demand=True)


@sample("digest", user_text=False)
def digest_all_clear(hostile: str) -> dict[str, Any]:
    from bot.config import Settings
    from bot.digest.build import digest_context

    return digest_context(_digest(hostile, reps=0, leads=0), Settings())


@sample("digest_nudge")
def digest_nudge(hostile: str) -> dict[str, Any]:
    from bot.digest.actions import nudge_context

    rep = _digest(hostile, reps=1, leads=60).reps[0]
    return nudge_context("UMGR1", hostile, rep, MOMENT)


@sample("digest_nudged", name="sent")
def digest_nudged_sent(hostile: str) -> dict[str, Any]:
    return {"outcome": "sent", "rep": "UREP1", "rep_name": hostile, "count": 3}


@sample("digest_nudged", name="repeat")
def digest_nudged_repeat(hostile: str) -> dict[str, Any]:
    return {"outcome": "repeat", "rep": "UREP1", "rep_name": hostile, "count": 3}


@sample("digest_nudged", name="none")
def digest_nudged_none(hostile: str) -> dict[str, Any]:
    return {"outcome": "none", "rep": "UREP1", "rep_name": hostile, "count": 0}
