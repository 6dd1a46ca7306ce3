"""Lead sources through the running app: each vendor's published payload shape, signed as that
vendor signs, becomes the right alert with its campaign, exactly once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.config import Settings
from tests.scenarios import sources_steps
from tests.scenarios.sources_steps import lead, lead_count, source_config
from tests.scenarios.test_alerts_support import delivered
from tests.support.fake_hubspot import FakeHubSpot
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp
from tests.support.sources import SECRETS, post_signed, sample

hubspot_api = sources_steps.hubspot_api
sources_file = sources_steps.sources_file
with_owners = sources_steps.with_owners
pytestmark = pytest.mark.usefixtures("with_owners")


@pytest.fixture
def app_config(
    settings: Settings, slack: FakeSlackServer, sqlite_url: str, sources_file: Path
) -> Settings:
    return source_config(settings, slack, sqlite_url, sources_file)


def posts_to(slack: FakeSlackServer, channel: str, words: str) -> int:
    return sum(
        1
        for a in slack.fake.calls_to("chat.postMessage")
        if a["channel"] == channel and words in a.get("text", "")
    )


def test_a_hubspot_workflow_object_becomes_its_owners_alert_once(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    body = sample("hubspot_workflow_object.json")
    response = post_signed(running.http, running.url, "hubspot", body)
    assert response.status_code == 202, response.text
    assert response.json()["accepted"] == 1
    alert = delivered(slack, "UREP1", "Bryan Cooper")
    blocks = json.dumps(alert.blocks)
    assert "*Campaign:* Spring Webinar" in blocks and "Biglytics" in blocks
    again = post_signed(running.http, running.url, "hubspot", body)
    assert again.json()["duplicates"] == 1
    stored = lead(running, "512")
    assert stored is not None and stored.owner_id == "UREP1" and stored.score == 92
    assert posts_to(slack, "UREP1", "Bryan Cooper") == 1


def test_a_legacy_hubspot_contact_with_an_api_key_header(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    response = post_signed(
        running.http, running.url, "hubspot-workflow", sample("hubspot_workflow_legacy.json")
    )
    assert response.status_code == 202, response.text
    alert = delivered(slack, "UREP1", "Codey Huang")
    assert "*Campaign:* Spring Webinar" in json.dumps(alert.blocks)
    stored = lead(running, "3234574")
    assert stored is not None and stored.email == "codey@hubspot.example"


def test_a_hubspot_event_batch_is_fetched_from_the_crm_api(
    running: RunningApp, slack: FakeSlackServer, hubspot_api: FakeHubSpot
) -> None:
    hubspot_api.failures = [429, 503]  # retried, then served
    body = sample("hubspot_events.json")
    response = post_signed(running.http, running.url, "hubspot", body)
    assert response.status_code == 202, response.text
    assert response.json() == {"received": 3, "queued": 2, "duplicates": 0}
    alert = delivered(slack, "UREP1", "Emma Winters")  # the owner's email is Rita's
    assert "*Campaign:* Spring Webinar" in json.dumps(alert.blocks)
    redelivered = post_signed(running.http, running.url, "hubspot", body)
    assert redelivered.json() == {"received": 3, "queued": 0, "duplicates": 2}
    assert hubspot_api.paths().count("/crm/v3/objects/contacts/123") == 3  # 2 failures + 1
    assert all(
        auth == f"Bearer {SECRETS['HUBSPOT_TOKEN']}" for _p, auth, _q in hubspot_api.requests
    )
    props = hubspot_api.requests[-2][2]["properties"][0].split(",")
    assert {"firstname", "email", "hubspot_owner_id", "hs_lead_status"} <= set(props)
    assert posts_to(slack, "UREP1", "Emma Winters") == 1


def test_a_salesforce_outbound_message_is_acked_and_stored_once(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    body = sample("salesforce_outbound.xml")
    response = post_signed(running.http, running.url, "salesforce", body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    assert "<Ack>true</Ack>" in response.text and "notificationsResponse" in response.text
    for name in ("Sean Forbes", "Jack Rogers"):
        alert = delivered(slack, "UREP2", name)
        assert "*Campaign:* Spring Webinar" in json.dumps(alert.blocks)
    again = post_signed(running.http, running.url, "salesforce", body)
    assert again.status_code == 200 and "<Ack>true</Ack>" in again.text
    assert posts_to(slack, "UREP2", "Sean Forbes") == 1
    stored = lead(running, "00Q000000000001AAA")
    assert stored is not None and stored.hot and stored.source == "Webinar"


def test_an_older_salesforce_copy_never_overwrites_a_newer_one(running: RunningApp) -> None:
    newer = sample("salesforce_outbound.xml").replace(b"CEO", b"Chief Executive")
    newer = newer.replace(b"04l000000000001AAA", b"04l000000000009AAA")
    newer = newer.replace(b"2026-11-25T21:50:00.000Z", b"2026-11-25T22:10:00.000Z")
    assert post_signed(running.http, running.url, "salesforce", newer).status_code == 200
    older = sample("salesforce_outbound.xml")  # sent first, arrives last
    assert post_signed(running.http, running.url, "salesforce", older).status_code == 200
    stored = lead(running, "00Q000000000001AAA")
    assert stored is not None and stored.title == "Chief Executive"


def test_a_typeform_response_becomes_an_alert(running: RunningApp, slack: FakeSlackServer) -> None:
    response = post_signed(
        running.http, running.url, "typeform", sample("typeform_form_response.json")
    )
    assert response.status_code == 202, response.text
    alert = delivered(slack, "CSALES", "Laura Diaz")  # no owner: offered in the sales channel
    assert "*Campaign:* Spring Webinar" in json.dumps(alert.blocks)
    stored = lead(running, "a3a12ec67a1365927098a606107fac15")
    assert stored is not None and stored.email == "laura@diaz.example" and stored.score == 85
    assert stored.source == "newsletter"


def test_a_pipedrive_body_through_json_with_basic_auth(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    response = post_signed(running.http, running.url, "pipedrive", sample("pipedrive_person.json"))
    assert response.status_code == 202, response.text
    alert = delivered(slack, "CSALES", "Nadia Petrova")
    assert "*Campaign:* Spring Webinar" in json.dumps(alert.blocks)
    stored = lead(running, "1001")
    assert stored is not None and stored.phone == "+4930123456"
    assert lead_count(running) == 1


def test_a_missing_mapped_field_is_refused_with_its_path(running: RunningApp) -> None:
    data = json.loads(sample("hubspot_workflow_object.json"))
    for key in ("firstname", "lastname", "email"):
        del data["properties"][key]
    response = post_signed(running.http, running.url, "hubspot", json.dumps(data).encode())
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error == {
        "index": 0,
        "field": "name",
        "path": "properties.firstname + properties.lastname",
        "error": "missing",
    }
    zap = json.dumps({"lead": {"first": "Zed", "email": "zed@example.org"}}).encode()
    refused = post_signed(running.http, running.url, "zapier", zap)
    assert refused.status_code == 422
    assert refused.json()["errors"][0] | {"error": "x"} == {
        "index": 0,
        "field": "id",
        "path": "lead.id",
        "error": "x",
    }
    assert lead_count(running) == 0


def test_an_unknown_source_is_404(running: RunningApp) -> None:
    response = running.http.post("/leads/marketo", content=b"{}")
    assert response.status_code == 404 and "marketo" in response.json()["error"]


def test_the_request_log_keeps_counts_and_no_personal_data(running: RunningApp) -> None:
    from bot.sources.log import activity, last_requests

    post_signed(running.http, running.url, "hubspot", sample("hubspot_workflow_object.json"))
    running.http.post("/leads/hubspot", content=b"[]")
    with running.handoff.db.session() as session:
        rows = last_requests(session, "hubspot")
        seen = activity(session, ["hubspot", "typeform"])
    assert [(r.status, r.accepted) for r in rows] == [(401, 0), (202, 1)]
    assert "Bryan" not in str([(r.error,) for r in rows]) and rows[0].error
    assert seen["hubspot"].last_accepted_at is not None
    assert seen["hubspot"].last_refused_at is not None
    assert seen["typeform"].last_accepted_at is None


def test_a_workflow_owner_not_on_the_roster_is_found_by_email(
    running: RunningApp, slack: FakeSlackServer, hubspot_api: FakeHubSpot
) -> None:
    data = json.loads(sample("hubspot_workflow_object.json"))
    data["properties"]["hubspot_owner_id"] = "31000002"  # Rita's email in HubSpot's owners API
    response = post_signed(running.http, running.url, "hubspot", json.dumps(data).encode())
    assert response.status_code == 202, response.text
    delivered(slack, "UREP1", "Bryan Cooper")
    assert "/crm/v3/owners/31000002" in hubspot_api.paths()
    stored = lead(running, "512")
    assert stored is not None and stored.owner_id == "UREP1"
    assert stored.owner_email == "rita@example.com"


def test_events_hubspot_cannot_serve_are_logged_not_stored(
    running: RunningApp, hubspot_api: FakeHubSpot
) -> None:
    from bot.sources.log import last_requests

    hubspot_api.failures = [500, 500, 500, 500]  # every try of the one contact
    response = post_signed(running.http, running.url, "hubspot", sample("hubspot_events.json"))
    assert response.status_code == 202

    def logged() -> list[tuple[int, str | None]]:
        with running.handoff.db.session() as session:
            return [(r.status, r.error) for r in last_requests(session, "hubspot")]

    sources_steps.wait_until(lambda: logged()[0][0] == 502, 15, "the failure in the log")
    assert logged()[0][1] == "HubSpot did not answer crm/v3/objects/contacts/123: HTTP 500"
    assert lead_count(running) == 0
