"""A faithful stand-in for Slack's Web API: in-memory state (`FakeSlack`) and its HTTP app.

fake = FakeSlack()
app = create_app(fake)  # POST /api/{method}, POST /response/{token}
"""

from sandbox.fakeslack.api import create_app
from sandbox.fakeslack.fake import FakeSlack
from sandbox.fakeslack.models import (
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
from sandbox.fakeslack.workspace import Workspace, dm_id

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
