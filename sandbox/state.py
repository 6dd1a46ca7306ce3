"""What the sandbox page shows, as one JSON document per viewer, and a version counter that
goes up with every change to the fake workspace (the page reloads the document when it does).
"""

from __future__ import annotations

import threading
from typing import Any

from bot import campaigns
from bot.config import Settings
from bot.db import Database
from bot.durations import format_duration
from sandbox import demo
from sandbox.fakeslack import BOT_USER_ID, FakeSlack
from sandbox.fakeslack.models import JsonDict
from sandbox.modals import Modals


class Changes:
    """A counter of workspace changes; `bump()` for changes the fake does not see."""

    def __init__(self, fake: FakeSlack) -> None:
        self._lock = threading.Lock()
        self.version = 1
        fake.subscribe(lambda _event: self.bump())

    def bump(self) -> None:
        with self._lock:
            self.version += 1


def people(users: dict[str, JsonDict]) -> list[JsonDict]:
    """The demo people first, in the order of the demo, then anyone else Slack knows."""
    known = {p.slack_id: p for p in demo.PEOPLE}
    rows = []
    for user_id, user in users.items():
        p = known.get(user_id)
        rows.append(
            {
                "id": user_id,
                "name": user.get("real_name") or user.get("name"),
                "role": p.role if p else "",
                "title": p.title if p else "",
                "tz": user.get("tz") or "UTC",
                "order": list(known).index(user_id) if p else len(known),
            }
        )
    return sorted(rows, key=lambda row: (row["order"], row["name"]))


def page_state(
    fake: FakeSlack,
    modals: Modals,
    db: Database,
    settings: Settings,
    *,
    viewer: str,
    version: int,
) -> dict[str, Any]:
    snapshot = fake.snapshot()
    with db.session() as session:
        active = [{"code": c.code, "name": c.name} for c in campaigns.active_campaigns(session)]
    home = fake.homes.get(viewer)
    return {
        "version": version,
        "viewer": viewer,
        "bot": {"id": BOT_USER_ID, "name": "Handoff"},
        "people": people(snapshot["users"]),
        "channels": [
            {
                "id": cid,
                "name": info.get("name"),
                "is_im": bool(info.get("is_im")),
                "user": info.get("user"),
            }
            for cid, info in snapshot["channels"].items()
            if not info.get("is_mpim")
        ],
        "messages": [_slim(m) for m in snapshot["messages"]],
        "ephemerals": [e for e in snapshot["ephemerals"] if e["user"] == viewer],
        "modal": modals.top(viewer),
        "home": home.to_slack() if home else None,
        "campaigns": active,
        "timings": {
            "reminder": format_duration(settings.hot_lead_sla),
            "escalation": format_duration(settings.escalate_after),
        },
    }


def _slim(message: JsonDict) -> JsonDict:
    """A message as the page needs it: no revision history, but whether it was edited."""
    slim = {k: v for k, v in message.items() if k != "history"}
    slim["edits"] = len(message.get("history", []))
    return slim
