"""Views listeners: each module registers its own."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Handoff
from handlers.views import campaign, feedback, lead


def register(app: App, handoff: Handoff) -> None:
    campaign.register(app, handoff)
    feedback.register(app, handoff)
    lead.register(app, handoff)
