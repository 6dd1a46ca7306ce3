"""Hot-lead alerts: the owner's DM with the campaign context and buttons, the sales-channel
claim message for unassigned leads, and `/leads`.

- `render`: keys, states and the messages themselves (templates `lead_alert*`, `lead_claim`).
- `notify`: posting and updating them through the outbox.
- `intake`: the lead listener (`lead_listener`) run inside the intake transaction.
- `actions`: what each button does, with the permission check.
- `modals`, `listing`: the "Not a fit" and "Reassign" modals, and `/leads`.
"""

from __future__ import annotations

from bot.alerts.intake import lead_listener, on_lead_change
from bot.alerts.render import alert_key, claim_key

__all__ = ["alert_key", "claim_key", "lead_listener", "on_lead_change"]
