"""What a lead source refuses, through the running app: forged and stale signatures, a wrong
key or organisation, an oversized body, malformed and hostile XML and JSON. Each gets its
clear answer, nothing is stored, never a 5xx."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from bot.config import Settings
from tests.scenarios import sources_steps
from tests.scenarios.sources_steps import lead_count, source_config
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp
from tests.support.sources import (
    SECRETS,
    basic_headers,
    hubspot_headers,
    post_signed,
    sample,
    typeform_headers,
    zapier_headers,
)

hubspot_api = sources_steps.hubspot_api
sources_file = sources_steps.sources_file

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>&lol9;</soapenv:Body></soapenv:Envelope>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>&xxe;</soapenv:Body></soapenv:Envelope>"""


@pytest.fixture
def app_config(
    settings: Settings, slack: FakeSlackServer, sqlite_url: str, sources_file: Path
) -> Settings:
    return source_config(settings, slack, sqlite_url, sources_file)


def sf_url(key: str = SECRETS["SALESFORCE_KEY"]) -> str:
    return f"/leads/salesforce?key={key}"


def test_hubspot_signatures_forged_stale_or_for_another_url_are_401(running: RunningApp) -> None:
    body = sample("hubspot_workflow_object.json")
    url = running.url + "/leads/hubspot"
    cases = {
        "forged": hubspot_headers(url, body, secret="not-the-client-secret-0123456"),
        "stale": hubspot_headers(url, body, at_ms=int(time.time() * 1000) - 301_000),
        "other url": hubspot_headers("https://elsewhere.example/leads/hubspot", body),
        "none": {"content-type": "application/json"},
    }
    for case, headers in cases.items():
        response = running.http.post("/leads/hubspot", content=body, headers=headers)
        assert response.status_code == 401, case
        assert "not authorised" in response.json()["error"]
    tampered = hubspot_headers(url, body)
    response = running.http.post("/leads/hubspot", content=body + b" ", headers=tampered)
    assert response.status_code == 401
    assert lead_count(running) == 0


def test_other_kinds_refuse_wrong_secrets(running: RunningApp) -> None:
    tf = sample("typeform_form_response.json")
    pd = sample("pipedrive_person.json")
    zap = json.dumps({"lead": {"id": "z1", "first": "Zed"}}).encode()
    answers = [
        running.http.post("/leads/typeform", content=tf, headers=typeform_headers(tf, "x" * 20)),
        running.http.post("/leads/pipedrive", content=pd, headers=basic_headers("y" * 20)),
        running.http.post("/leads/pipedrive", content=pd, headers={"authorization": "Basic !!"}),
        running.http.post("/leads/zapier", content=zap, headers=zapier_headers(zap, "z" * 20)),
        running.http.post("/leads/hubspot-workflow", content=pd, headers={"x-handoff-key": "no"}),
    ]
    assert [a.status_code for a in answers] == [401] * 5
    assert lead_count(running) == 0


def test_salesforce_refuses_a_wrong_key_and_another_organisation_in_soap(
    running: RunningApp,
) -> None:
    body = sample("salesforce_outbound.xml")
    wrong_key = running.http.post(sf_url("wrong-key-0123456789abcdef"), content=body)
    assert wrong_key.status_code == 401
    assert "<faultstring>" in wrong_key.text and "key" in wrong_key.text
    assert wrong_key.headers["content-type"].startswith("text/xml")
    other_org = body.replace(b"00D000000000062EAA", b"00D000000000099EAA")
    forbidden = running.http.post(sf_url(), content=other_org)
    assert forbidden.status_code == 403 and "OrganizationId" in forbidden.text
    assert lead_count(running) == 0


def test_hostile_and_malformed_xml_is_400(running: RunningApp) -> None:
    for body in (BILLION_LAUGHS, XXE, b"<not xml", b"<a/>", b"\xff\xfe<x/>"):
        response = running.http.post(sf_url(), content=body)
        assert response.status_code == 400, body[:20]
        assert "<faultstring>" in response.text
    assert lead_count(running) == 0


def test_oversized_and_malformed_json(running: RunningApp) -> None:
    big = b"[" + b'{"id":"x"},' * 110_000 + b"{}]"
    assert len(big) > 1024 * 1024
    response = post_signed(running.http, running.url, "hubspot", big)
    assert response.status_code == 413
    soap = running.http.post(sf_url(), content=b"<a>" + b"x" * 1_100_000 + b"</a>")
    assert soap.status_code == 413 and "<faultstring>" in soap.text
    for body in (b"{", b"\xff", b"null", b"42", b"[]", b'"text"'):
        answer = post_signed(running.http, running.url, "hubspot", body)
        assert answer.status_code in (400, 422), body
        assert "error" in answer.json()
    assert lead_count(running) == 0


def test_a_salesforce_message_missing_a_mapped_field_is_a_fault_naming_it(
    running: RunningApp,
) -> None:
    body = sample("salesforce_outbound.xml")
    start = body.index(b"<sf:Id>00Q000000000002AAA</sf:Id>")
    body = body[:start] + body[start + len(b"<sf:Id>00Q000000000002AAA</sf:Id>") :]
    response = running.http.post(sf_url(), content=body)
    assert response.status_code == 422
    assert "Notification[1].sObject.Id: id missing" in response.text
    assert "<Ack>" not in response.text
    assert lead_count(running) == 0


def test_an_owner_id_that_is_not_valid_unicode_is_a_422_naming_it(running: RunningApp) -> None:
    """Found by test_fuzz_hubspot: a lone surrogate in `hubspot_owner_id` reached the roster
    lookup, which SQLite cannot encode, and the CRM was told 503 (an outage) for bad input."""
    contact = json.loads(sample("hubspot_workflow_object.json"))
    contact["properties"]["hubspot_owner_id"] = "\ud800"
    body = json.dumps(contact).encode()  # ASCII, with the surrogate escaped as JSON allows
    response = post_signed(running.http, running.url, "hubspot", body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert "properties.hubspot_owner_id" in error and "lone surrogate" in error
    assert lead_count(running) == 0
