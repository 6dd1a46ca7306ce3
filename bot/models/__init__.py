"""The database schema (SQLAlchemy 2.x typed models).

Times are stored as UTC and always come back timezone-aware, on SQLite and PostgreSQL alike.
"""

from bot.models.base import ROLES, Base, UTCDateTime, utcnow
from bot.models.delivery import (
    HomeView,
    JobRun,
    OutboxMessage,
    RoutingDecision,
    RoutingTurn,
    SlackEvent,
    SlackMessage,
    SourceRequest,
    SourceSeen,
)
from bot.models.leads import (
    BurstAlert,
    Campaign,
    CampaignRead,
    CampaignRep,
    Digest,
    Feedback,
    Lead,
    LeadStageChange,
    Ping,
    SyncReport,
)
from bot.models.people import EmailLookup, OwnerLookup, Person, SlackUser

__all__ = [
    "ROLES",
    "Base",
    "BurstAlert",
    "Campaign",
    "CampaignRead",
    "CampaignRep",
    "Digest",
    "EmailLookup",
    "Feedback",
    "HomeView",
    "JobRun",
    "Lead",
    "LeadStageChange",
    "OutboxMessage",
    "OwnerLookup",
    "Person",
    "Ping",
    "RoutingDecision",
    "RoutingTurn",
    "SlackEvent",
    "SlackMessage",
    "SlackUser",
    "SourceRequest",
    "SourceSeen",
    "SyncReport",
    "UTCDateTime",
    "utcnow",
]
