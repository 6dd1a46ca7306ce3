"""A faithful stand-in for Slack's Web API: in-memory state (`FakeSlack`) and its HTTP app.

fake = FakeSlack()
app = create_app(fake)  # POST /api/{method}, POST /response/{token}
"""

from bot.fakeslack.api import create_app
from bot.fakeslack.fake import FakeSlack
from bot.fakeslack.models import (
    BOT_ID,
    BOT_USER_ID,
    TEAM_ID,
    Ephemeral,
    Message,
    Reply,
    Revision,
    SlackError,
    View,
)
from bot.fakeslack.workspace import Workspace, dm_id

__all__ = [
    "BOT_ID",
    "BOT_USER_ID",
    "TEAM_ID",
    "Ephemeral",
    "FakeSlack",
    "Message",
    "Reply",
    "Revision",
    "SlackError",
    "View",
    "Workspace",
    "create_app",
    "dm_id",
]
