"""Commands listeners: each module registers its own."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Handoff
from handlers.commands import campaign, feedback, leads


def register(app: App, handoff: Handoff) -> None:
    campaign.register(app, handoff)
    feedback.register(app, handoff)
    leads.register(app, handoff)
