"""Fuzz each lead-source endpoint through the running app (at least 300 bodies each): signed
the way the vendor signs, every answer is one of the documented ones (never a 5xx, never a
traceback), and a refused request stores nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import Settings
from tests.scenarios import sources_steps
from tests.scenarios.sources_steps import lead_count, source_config
from tests.support.fake_hubspot import FakeHubSpot
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp
from tests.support.source_fuzz import mutated_json, mutated_xml
from tests.support.sources import post_signed, sample

sources_file = sources_steps.sources_file


@pytest.fixture
def hubspot_api() -> Iterator[FakeHubSpot]:
    """A HubSpot with no records: an accepted event batch fetches nothing, so no lead lands in
    the background while a later request is checked."""
    with FakeHubSpot() as fake:
        yield fake


FUZZ = settings(
    max_examples=320,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
JSON_ANSWERS = {202, 400, 413, 422}
SOAP_ANSWERS = {200, 400, 403, 413, 422}


@pytest.fixture
def app_config(
    settings: Settings, slack: FakeSlackServer, sqlite_url: str, sources_file: Path
) -> Settings:
    return source_config(settings, slack, sqlite_url, sources_file)


def check(running: RunningApp, name: str, body: bytes, answers: set[int]) -> None:
    before = lead_count(running)
    response = post_signed(running.http, running.url, name, body)
    assert response.status_code in answers, (response.status_code, response.text[:300])
    if name == "salesforce":
        assert response.headers["content-type"].startswith("text/xml")
        ok = "<Ack>true</Ack>" in response.text
        assert ok == (response.status_code == 200), response.text[:300]
        assert ok or "<faultstring>" in response.text
    else:
        data = response.json()
        assert ("error" in data) == (response.status_code >= 400), data
    if response.status_code >= 400:
        assert lead_count(running) == before


HUBSPOT = [
    sample("hubspot_workflow_object.json"),
    sample("hubspot_workflow_legacy.json"),
    sample("hubspot_events.json"),
]


@FUZZ
@given(data=st.data())
def test_fuzz_hubspot(running: RunningApp, data: st.DataObject) -> None:
    body = data.draw(st.sampled_from(HUBSPOT).flatmap(mutated_json))
    check(running, "hubspot", body, JSON_ANSWERS)


@FUZZ
@given(body=mutated_xml(sample("salesforce_outbound.xml")))
def test_fuzz_salesforce(running: RunningApp, body: bytes) -> None:
    check(running, "salesforce", body, SOAP_ANSWERS)


@FUZZ
@given(body=mutated_json(sample("typeform_form_response.json")))
def test_fuzz_typeform(running: RunningApp, body: bytes) -> None:
    check(running, "typeform", body, JSON_ANSWERS)


@FUZZ
@given(body=mutated_json(sample("pipedrive_person.json")))
def test_fuzz_json(running: RunningApp, body: bytes) -> None:
    check(running, "pipedrive", body, JSON_ANSWERS)
