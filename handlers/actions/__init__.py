"""Actions listeners: each module registers its own."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Handoff
from handlers.actions import campaign, digest, feedback, ladder, lead


def register(app: App, handoff: Handoff) -> None:
    campaign.register(app, handoff)
    digest.register(app, handoff)
    feedback.register(app, handoff)
    lead.register(app, handoff)
    ladder.register(app, handoff)
