"""Actions listeners: each module registers its own."""

from __future__ import annotations

from slack_bolt import App

from handlers.actions import campaign, digest, feedback, home, ladder, lead, routing


def register(app: App) -> None:
    campaign.register(app)
    digest.register(app)
    feedback.register(app)
    home.register(app)
    lead.register(app)
    ladder.register(app)
    routing.register(app)
