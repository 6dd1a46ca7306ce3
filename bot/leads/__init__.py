"""A lead's whole life, in the order it lives it.

- `validate`: parse and validate a JSON batch or a CSV file into `LeadInput`s.
- `intake`: owner matching and the idempotent upsert of a batch (`save_leads`, `LeadChange`).
- `owners`: owner emails resolved to Slack users in the background after the 202.
- `listener`: what intake triggers, inside its transaction (alert, claim, first ladder step).
- `render`, `notify`: the owner's alert and the channel's claim message, and sending them.
- `actions`, `modals`, `listing`: the alert's buttons, the "Not a fit"/"Reassign" modals, `/leads`.
- `feedback`: the alert's "Feedback" button and its one-line modal (posted by `bot.feedback`).
- `ladder`: the one place that decides what is due (reminders, escalations, the stale nudge).
- `pings`: the reminders and escalations themselves, each sent at most once.
"""
