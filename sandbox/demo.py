"""The sandbox's demo workspace: its people, its two channels, one campaign and a few leads.

Everything is created the way production creates it: the roster with `import_roster`, the
campaign with the campaigns service (so its announcement goes out through the outbox), and
the leads through the app's real `POST /leads` (see `sandbox.server`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from bot import campaigns
from bot.people import import_roster
from sandbox.fakeslack import FakeSlack

SALES_CHANNEL = "C0SALES"
MARKETING_CHANNEL = "C0MARKETING"
CHANNELS = {SALES_CHANNEL: "sales", MARKETING_CHANNEL: "marketing"}


@dataclass(frozen=True)
class DemoPerson:
    slack_id: str
    name: str
    role: str
    title: str
    email: str
    tz: str
    manager: str = ""


PEOPLE = (
    DemoPerson("U0MIA", "Mia Chen", "marketer", "Marketing", "mia@example.com", "Europe/London"),
    DemoPerson(
        "U0SAM", "Sam Osei", "rep", "Sales rep", "sam@example.com", "America/New_York", "U0ANNA"
    ),
    DemoPerson(
        "U0PRIYA", "Priya Nair", "rep", "Sales rep", "priya@example.com", "Asia/Kolkata", "U0ANNA"
    ),
    DemoPerson(
        "U0ANNA", "Anna Berg", "manager", "Sales manager", "anna@example.com", "Europe/Stockholm"
    ),
    DemoPerson("U0ALEX", "Alex Kim", "admin", "Sales ops", "alex@example.com", "America/Chicago"),
)
MARKETER, REP, OTHER_REP, MANAGER, ADMIN = (person.slack_id for person in PEOPLE)

CAMPAIGN = campaigns.CampaignForm(
    name="Spring webinar",
    code="spring-webinar",
    audience="Operations leaders at companies of 50 to 500 people",
    offer="A free 30-day pilot for everyone who attended the webinar",
    talking_points=(
        "• Ask which session they joined and what they want to fix first\n"
        "• Offer a 20-minute pilot setup call this week\n"
        "• Mention the Northwind case study: handoffs 3× faster"
    ),
    landing_url="https://example.com/spring-webinar",
)

LEADS: tuple[dict[str, Any], ...] = (
    {
        "id": "demo-1",
        "name": "Dana Ruiz",
        "title": "VP Operations",
        "company": "Acme Logistics",
        "email": "dana.ruiz@example.com",
        "phone": "+1 555 0100",
        "campaign": "spring-webinar",
        "score": 92,
        "owner": REP,
        "source": "Webinar registration",
        "note": "Asked about single sign-on during the Q&A.",
    },
    {
        "id": "demo-2",
        "name": "Lee Park",
        "title": "Head of Sales Ops",
        "company": "Northwind Traders",
        "email": "lee.park@example.com",
        "campaign": "spring-webinar",
        "score": 86,
        "owner_email": "priya@example.com",
        "source": "Webinar follow-up form",
    },
    {
        "id": "demo-3",
        "name": "Chris Novak",
        "company": "Globex",
        "email": "chris.novak@example.com",
        "campaign": "trade-show",
        "score": 84,
        "source": "Trade show badge scan",
    },
    {
        "id": "demo-4",
        "name": "Robin Fox",
        "company": "Initech",
        "email": "robin.fox@example.com",
        "campaign": "spring-webinar",
        "score": 41,
        "owner": REP,
        "source": "Newsletter",
    },
)


def person(slack_id: str) -> DemoPerson | None:
    return next((p for p in PEOPLE if p.slack_id == slack_id), None)


def roster_csv() -> str:
    lines = ["slack_id,email,name,role,manager,tz"]
    lines += [f"{p.slack_id},{p.email},{p.name},{p.role},{p.manager},{p.tz}" for p in PEOPLE]
    return "\n".join(lines) + "\n"


def seed_workspace(fake: FakeSlack) -> None:
    """The people and channels Slack would know about (the fake keeps them in memory)."""
    for p in PEOPLE:
        fake.add_user(p.slack_id, p.name, email=p.email, tz=p.tz, real_name=p.name)
    for cid, name in CHANNELS.items():
        fake.add_channel(cid, name)


def seed_database(session: Session, *, sales_channel: str) -> None:
    """The roster and the demo campaign (whose announcement the outbox then posts)."""
    import_roster(session, roster_csv())
    saved = campaigns.save_campaign(
        session, form=CAMPAIGN, user_id=MARKETER, sales_channel=sales_channel
    )
    if saved.errors or saved.campaign is None:
        raise RuntimeError(f"the demo campaign was refused: {saved.errors}")
    campaigns.record_read(
        session, campaign_id=saved.campaign.id, slack_id=OTHER_REP, sales_channel=sales_channel
    )
