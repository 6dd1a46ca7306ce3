"""What `/campaign` answers: the subcommands, parsed, and their ephemeral replies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from bot.campaigns.form import CampaignForm, FormMetadata, modal_view
from bot.campaigns.service import active_campaigns, end_campaign
from bot.errors import Refusal
from bot.lookups import campaign_by_code
from bot.messages import Message, render_message
from bot.permissions import may_manage_campaigns
from bot.routing.pools import campaign_reps

SUBCOMMANDS = ("list", "stats", "edit", "end", "help")
NEEDS_CODE = ("stats", "edit", "end")
EXAMPLE_CODE = "spring-webinar"


@dataclass(frozen=True)
class CampaignCommand:
    action: str  # "new", one of SUBCOMMANDS, or "unknown"
    code: str = ""
    typed: str = ""  # the unknown subcommand, as typed


def parse_command(text: str | None) -> CampaignCommand:
    """`/campaign [list | stats CODE | edit CODE | end CODE | help]`; codes may hold spaces."""
    words = (text or "").strip().split(maxsplit=1)
    if not words:
        return CampaignCommand("new")
    word, rest = words[0].lower(), (words[1].strip() if len(words) > 1 else "")
    if word == "new" and not rest:
        return CampaignCommand("new")
    if word in SUBCOMMANDS:
        return CampaignCommand(word, rest)
    return CampaignCommand("unknown", rest, typed=words[0])


def notice(kind: str, **context: Any) -> Message:
    """A short ephemeral answer; its wording lives in templates/campaign_notice.json.j2."""
    return render_message("campaign_notice", kind=kind, **context)


def help_message(session: Session, problem: str | None = None, **context: Any) -> Message:
    """The usage, optionally after what was wrong (`unknown_subcommand`, `missing_code`,
    `unknown_code`), with an example built from a real campaign code when there is one."""
    active = active_campaigns(session)
    example = active[0].code if active else EXAMPLE_CODE
    context.setdefault("typed", "")
    context.setdefault("code", "")
    context.setdefault("subcommand", "")
    return render_message("campaign_help", problem=problem, example=example, **context)


def _refusal(reply: Message, kind: str) -> Refusal:
    return Refusal(reply.text, kind, reply=reply)


def open_form(
    session: Session, request: CampaignCommand, *, user_id: str, response_url: str | None
) -> dict[str, Any]:
    """The modal to open for `/campaign` or `/campaign edit CODE`; else a Refusal whose
    `reply` (context) is the full answer to show instead."""
    if not may_manage_campaigns(session, user_id):
        raise _refusal(notice("refused"), "refused")
    if request.action == "new":
        return modal_view(CampaignForm(), FormMetadata(None, response_url))
    if not request.code:
        raise _refusal(
            help_message(session, "missing_code", subcommand=request.action), "missing_code"
        )
    campaign = campaign_by_code(session, request.code)
    if campaign is None:
        raise _refusal(help_message(session, "unknown_code", code=request.code), "unknown_code")
    form = CampaignForm.from_campaign(campaign, campaign_reps(session, campaign.id))
    return modal_view(form, FormMetadata(campaign.id, response_url))


def command_reply(
    session: Session, request: CampaignCommand, *, user_id: str, sales_channel: str
) -> Message:
    """The answer to every subcommand that opens no modal, but `stats`
    (`bot.outcomes.stats.stats_reply`, which needs no session open)."""
    if request.action == "list":
        return render_message("campaign_list", campaigns=active_campaigns(session))
    if request.action == "help":
        return help_message(session)
    if request.action == "unknown":
        return help_message(session, "unknown_subcommand", typed=request.typed)
    if request.action == "end" and not may_manage_campaigns(session, user_id):
        return notice("refused")
    if not request.code:
        return help_message(session, "missing_code", subcommand=request.action)
    if request.action == "end":
        try:
            ended = end_campaign(
                session, code=request.code, user_id=user_id, sales_channel=sales_channel
            )
        except Refusal as refusal:
            if refusal.kind == "unknown":
                return help_message(session, "unknown_code", code=request.code)
            campaign = refusal.context.get("campaign")
            return notice(refusal.kind, campaign=campaign, channel_id=sales_channel)
        return notice("ended", campaign=ended.campaign, channel_id=sales_channel)
    return help_message(session, "unknown_subcommand", typed=request.action)
