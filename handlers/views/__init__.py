"""Views listeners: each module registers its own."""

from __future__ import annotations

from slack_bolt import App

from handlers.views import campaign, erasure, feedback, lead


def register(app: App) -> None:
    campaign.register(app)
    erasure.register(app)
    feedback.register(app)
    lead.register(app)
