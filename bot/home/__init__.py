"""The App Home: each person's board.

- `view`: a person's Home composed from their sections within 100 blocks;
- `queue` (a rep's open and snoozed leads), `team` (a manager's reps and overdue leads),
  `campaigns` (a marketer's cards, feedback inbox and trending tags), `health` (an admin's
  outbox, roster problems and settings), `common` (sections, zones, alert links);
- `refresh`: publishing through the outbox, at once on opening and debounced on changes;
- `changes`: which changes concern whose Home.
"""

from bot.home.refresh import publish_home, refresh_due, request_refresh
from bot.home.view import home_context, home_view

__all__ = ["home_context", "home_view", "publish_home", "refresh_due", "request_refresh"]
