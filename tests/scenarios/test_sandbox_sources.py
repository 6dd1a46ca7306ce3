"""The sandbox's "New lead" sent as HubSpot, Salesforce and Typeform send leads: a real-shaped,
signed request reaches the app's lead source and becomes an alert."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from bot.models import Lead
from sandbox import Sandbox
from sandbox.demo import OTHER_REP
from tests.scenarios import test_sandbox

sandbox = test_sandbox.sandbox
page = test_sandbox.page


@pytest.mark.parametrize(
    ("shape", "status", "path", "by"),
    [
        ("hubspot", 202, "/leads/hubspot", "Hugo HubSpot"),
        ("salesforce", 200, "/leads/salesforce", "Sally Salesforce"),
        ("typeform", 202, "/leads/typeform", "Tara Typeform"),
    ],
)
def test_a_crm_shaped_lead_becomes_an_alert(
    sandbox: Sandbox, page: httpx.Client, shape: str, status: int, path: str, by: str
) -> None:
    sent = page.post(
        "/sandbox/lead",
        json={
            "name": by,
            "company": "Umbrella",
            "score": "95",
            "campaign": "spring-webinar",
            "owner": OTHER_REP,
            "shape": shape,
            "hot": True,
        },
    ).json()
    assert (sent["ok"], sent["status"], sent["path"]) == (True, status, path), sent
    sandbox.fake.wait_for(
        "chat.postMessage",
        predicate=lambda a: by in a["text"] and a["channel"] == OTHER_REP,
    )
    assert sandbox.handoff is not None
    with sandbox.handoff.db.session() as session:
        lead = session.scalar(select(Lead).where(Lead.name == by))
        assert lead is not None and lead.campaign_code == "spring-webinar" and lead.hot


def test_a_refused_crm_shaped_lead_shows_the_path(page: httpx.Client) -> None:
    bad = page.post("/sandbox/lead", json={"company": "No Name", "shape": "typeform"}).json()
    assert bad["ok"] is False and bad["status"] == 422
    assert bad["errors"][0]["path"] == "form_response.answers[ref:name]"
    soap = page.post("/sandbox/lead", json={"company": "No Name", "shape": "salesforce"}).json()
    assert soap["ok"] is False and soap["status"] == 422 and "name" in soap["error"]
