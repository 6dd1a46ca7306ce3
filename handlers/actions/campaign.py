"""Campaign action listeners."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Handoff


def register(app: App, handoff: Handoff) -> None:
    """Register the campaign action listeners."""
