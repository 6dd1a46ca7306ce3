"""What the Home's buttons need besides the services they share with alerts and the digest.

A click in the Home has no `response_url` and nothing can be ephemeral there: a private
answer (a refusal, "Nudge sent", the digest on demand) reaches the person as a DM from Handoff,
through the outbox like every message. Campaign buttons carry the campaign's id; the
`/campaign edit|end` services take its code.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import outbox
from bot.campaigns.replies import CampaignCommand
from bot.errors import Refusal
from bot.models import Campaign


def tell_in_dm(session: Session, user_id: str, *, text: str, blocks: Any = None) -> None:
    """Queue a DM from Handoff to `user_id` (what `respond` is for a click in the Home)."""
    args: dict[str, Any] = {"channel": user_id, "text": text or "Handoff"}
    if blocks:
        args["blocks"] = list(blocks)
    outbox.enqueue(session, "chat.postMessage", **args)


def campaign_command(session: Session, action: str, value: object) -> CampaignCommand:
    """`/campaign edit CODE` or `/campaign end CODE` for the campaign a Home button names."""
    try:
        campaign_id = int(str(value))
    except ValueError:
        raise Refusal("That button is out of date.") from None
    code = session.scalar(select(Campaign.code).where(Campaign.id == campaign_id))
    if code is None:
        raise Refusal("That campaign is no longer in Handoff.")
    return CampaignCommand(action, code)
