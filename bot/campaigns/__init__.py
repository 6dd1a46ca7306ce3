"""Campaign briefs: the /campaign modal, the announcement to sales, reads, stats and the end.

form.py     the modal's fields and the checks that need no database
service.py  saving, announcing, "Got it" reads, ending, lead linking
replies.py  the subcommands and their ephemeral answers (`stats` is bot.outcomes.stats)
confirm.py  the marketer's confirmation with the announcement's permalink
"""

from bot.campaigns.confirm import confirmation
from bot.campaigns.form import CampaignForm, FormMetadata, modal_view, suggest_code
from bot.campaigns.replies import (
    CampaignCommand,
    command_reply,
    help_message,
    notice,
    open_form,
    parse_command,
)
from bot.campaigns.service import (
    EndResult,
    ReadCount,
    ReadResult,
    SaveResult,
    active_campaigns,
    announcement,
    end_campaign,
    link_waiting_leads,
    read_count,
    record_read,
    save_campaign,
)
from bot.campaigns.unread import unread_list

__all__ = [
    "CampaignCommand",
    "CampaignForm",
    "EndResult",
    "FormMetadata",
    "ReadCount",
    "ReadResult",
    "SaveResult",
    "active_campaigns",
    "announcement",
    "command_reply",
    "confirmation",
    "end_campaign",
    "help_message",
    "link_waiting_leads",
    "modal_view",
    "notice",
    "open_form",
    "parse_command",
    "read_count",
    "record_read",
    "save_campaign",
    "suggest_code",
    "unread_list",
]
