"""Sample contexts: builders shared by the feature modules (a hostile campaign, a hostile lead)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from bot.models import Campaign

# -- shared builders ------------------------------------------------------------------------

MOMENT = datetime(2025, 3, 3, 14, 30, tzinfo=UTC)


def hostile_campaign(hostile: str, **changes: Any) -> Campaign:
    values: dict[str, Any] = {
        "id": 7,
        "code": hostile[:80],
        "name": hostile,
        "audience": hostile,
        "offer": hostile,
        "talking_points": hostile,
        "landing_url": "https://example.com/spring?utm_campaign=spring&x=<y>",
        "starts_on": date(2025, 3, 1),
        "ends_on": date(2025, 4, 30),
        "hot_score": 70,
        "status": "active",
        "created_by": "UMKT1",
        "created_at": MOMENT,
        "updated_at": MOMENT,
        "ended_at": None,
    }
    values.update(changes)
    return Campaign(**values)


def hostile_lead(hostile: str, **changes: Any) -> Any:
    from bot.models import Lead

    values: dict[str, Any] = {
        "id": 42,
        "external_id": "crm-42",
        "name": hostile,
        "title": hostile,
        "company": hostile,
        "email": hostile,
        "phone": hostile,
        "score": 91,
        "source": hostile,
        "note": hostile,
        "campaign_code": hostile[:80],
        "owner_id": "UREP1",
        "status": "new",
        "received_at": MOMENT,
        "created_at": MOMENT,
    }
    values.update(changes)
    return Lead(**values)
