"""The sandbox: Handoff running against a built-in stand-in for Slack, in the browser.

`python app.py sandbox` (or `python app.py` with no SLACK_BOT_TOKEN) serves a small Slack-like
workspace at http://127.0.0.1:PORT/. The real app runs behind it: the page's commands, clicks
and form submissions reach the app as signed Slack requests through its own `/slack/events`,
and leads arrive through its real `POST /leads`.

demo.py      the demo people, channels, campaign and leads
settings.py  the forced settings (own SQLite file, generated secrets, short timings)
server.py    the lifecycle: one uvicorn server for the fake Slack, the page and the app
             (built here from `handlers`, as `app.py` builds it for a real workspace)
fakeslack/   the fake Slack Web API (also the tests' stand-in for Slack)
api.py       the page's endpoints;  relay.py  gestures -> signed Slack requests
payloads.py  Slack's payload shapes;  modals.py  who has which modal open
state.py     what the page shows;     persist.py  the workspace kept across restarts
static/      the page (plain HTML, CSS and JavaScript)
"""

from __future__ import annotations

import logging
import signal
from pathlib import Path
from types import FrameType

from bot.config import Settings
from sandbox.server import Sandbox

log = logging.getLogger("handoff.sandbox")

__all__ = ["Sandbox", "run"]


def run(settings: Settings, *, workdir: Path | None = None, fresh: bool = False) -> int:
    """Run the sandbox until Ctrl-C or SIGTERM."""
    # The ladder's sweep runs every 5 s here; its per-run log lines would drown the banner.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, log.getEffectiveLevel()))
    if settings.slack_bot_token:
        log.warning("The sandbox ignores SLACK_BOT_TOKEN and the other Slack settings.")
    sandbox = Sandbox(settings, workdir=workdir or Path.cwd(), fresh=fresh)

    def stop(_signal: int, _frame: FrameType | None) -> None:
        sandbox.server.should_exit = True

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        with sandbox:
            sandbox.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0
