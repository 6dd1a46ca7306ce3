"""The managers' daily digest of stale leads.

- `query`: the few set-based queries behind a digest; `zones`: many people's time zones at once
- `figures`: yesterday's team figures; `build`: gathering and rendering a digest
- `send`: exactly once per (manager, local date); `schedule`: the APScheduler jobs
- `actions`: Nudge and `/leads stale`; `command`: `python app.py digest`; `plain`: dry-run text
"""

from bot.digest.actions import nudge_rep, stale_leads_for
from bot.digest.build import DigestContent, build_digests, render_digest
from bot.digest.schedule import schedule_digests
from bot.digest.send import SendReport, due_digests, send_digests, send_due_digests

__all__ = [
    "DigestContent",
    "SendReport",
    "build_digests",
    "due_digests",
    "nudge_rep",
    "render_digest",
    "schedule_digests",
    "send_digests",
    "send_due_digests",
    "stale_leads_for",
]
