"""Commands listeners: each module registers its own."""

from __future__ import annotations

from slack_bolt import App

from handlers.commands import campaign, feedback, leads


def register(app: App) -> None:
    campaign.register(app)
    feedback.register(app)
    leads.register(app)
