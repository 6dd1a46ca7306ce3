"""Each kind's mapping, without HTTP: HubSpot's three workflow shapes, Salesforce's SOAP with
nil values and overrides, Typeform answers by ref and type, stage maps."""

from __future__ import annotations

import json

import pytest

from bot.leads.validate import LeadValidationError
from bot.sources import hubspot, salesforce, typeform
from bot.sources.config import Source
from bot.sources.mapping import BadPayload, validate
from bot.states import LeadStage
from tests.support.sources import sample


def src(kind: str, **extra: object) -> Source:
    return Source(name=kind, kind=kind, auth="key", secret="s" * 16, display=kind, **extra)  # type: ignore[arg-type]


def test_hubspot_object_legacy_and_flat_bodies_map_alike() -> None:
    source = src("hubspot")
    obj = hubspot.parse_workflow(source, json.loads(sample("hubspot_workflow_object.json")))
    legacy = hubspot.parse_workflow(source, json.loads(sample("hubspot_workflow_legacy.json")))
    flat = hubspot.parse_workflow(
        source,
        {
            "hs_object_id": 77,
            "firstname": "Flat",
            "email": "f@example.org",
            "hs_lead_status": "CONNECTED",
        },
    )
    [a], [b], [c] = (validate(items, {"31000001": "UREP1"}) for items in (obj, legacy, flat))
    assert (a.external_id, a.name, a.title, a.score, a.owner_id) == (
        "512",
        "Bryan Cooper",
        "Head of Analytics",
        92,
        "UREP1",
    )
    assert a.campaign_code == "spring-webinar" and a.stage is None  # NEW: not a move
    assert (b.external_id, b.name, b.campaign_code, b.owner_id) == (
        "3234574",
        "Codey Huang",
        "spring-webinar",
        "UREP1",
    )
    assert (c.external_id, c.name, c.stage) == ("77", "Flat", LeadStage.WORKING)
    assert legacy[0].paths["email"] == "properties.email.value"
    assert flat[0].paths["id"] == "hs_object_id"


def test_hubspot_overrides_and_stage_maps() -> None:
    source = src(
        "hubspot",
        fields={"campaign": "hs_analytics_source"},
        stages={"bad_timing": LeadStage.DISQUALIFIED},
    )
    body = {
        "id": 1,
        "properties": {
            "firstname": "A",
            "hs_analytics_source": "PAID_SEARCH",
            "hs_lead_status": "BAD_TIMING",
        },
    }
    [lead] = validate(hubspot.parse_workflow(source, body), {})
    assert lead.campaign_code == "paid_search" and lead.stage is LeadStage.DISQUALIFIED
    body["properties"] = {"firstname": "A", "lifecyclestage": "customer"}
    [lead] = validate(hubspot.parse_workflow(source, body), {})
    assert lead.stage is LeadStage.WON


def test_hubspot_events_keep_contacts_and_refuse_malformed_ones() -> None:
    events = hubspot.events(json.loads(sample("hubspot_events.json")))
    assert [(e.event_id, e.object_id) for e in events] == [("1", "123"), ("2", "123")]
    with pytest.raises(BadPayload) as raised:
        hubspot.events(
            [{"eventId": 1, "subscriptionType": "contact.creation", "objectId": "x/../1"}]
        )
    assert raised.value.path == "0.objectId"


def test_salesforce_maps_two_notifications_with_nil_and_stage() -> None:
    body = sample("salesforce_outbound.xml").replace(
        b"Open - Not Contacted", b"Working - Contacted"
    )
    message = salesforce.parse(src("salesforce", fields={"campaign": "Campaign_Code__c"}), body)
    assert message.organization_id == "00D000000000062EAA"
    assert [i.delivery for i in message.items] == ["04l000000000001AAA", "04l000000000002AAA"]
    first, second = validate(message.items, {"005000000000001AAA": "UREP2"})
    assert (first.name, first.hot_flag, first.owner_id, first.stage) == (
        "Sean Forbes",
        True,
        "UREP2",
        LeadStage.WORKING,
    )
    assert first.campaign_code == "spring-webinar" and second.phone is None
    assert message.items[0].modified_at is not None


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
        b"<x><y></x>",
        b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"/>',
    ],
)
def test_salesforce_refuses_hostile_or_foreign_xml(body: bytes) -> None:
    with pytest.raises(BadPayload):
        salesforce.parse(src("salesforce"), body)


def test_typeform_answers_by_ref_type_and_hidden_fields() -> None:
    payload = json.loads(sample("typeform_form_response.json"))
    source = src("typeform", fields={"name": "ref:full_name", "note": "ref:team_size"})
    [lead] = validate(typeform.parse(source, payload), {})
    assert (lead.external_id, lead.name, lead.email, lead.phone) == (
        "a3a12ec67a1365927098a606107fac15",
        "Laura Diaz",
        "laura@diaz.example",
        "+15550104477",
    )
    assert (lead.campaign_code, lead.source, lead.note) == (
        "spring-webinar",
        "newsletter",
        "50-200",
    )
    del payload["form_response"]["token"]
    with pytest.raises(LeadValidationError) as raised:
        validate(typeform.parse(source, payload), {})
    assert raised.value.errors[0]["path"] == "form_response.token"


def test_a_salesforce_rating_other_than_hot_is_not_hot() -> None:
    body = sample("salesforce_outbound.xml").replace(
        b"<sf:Rating>Hot</sf:Rating>", b"<sf:Rating>Warm</sf:Rating>"
    )
    leads = validate(salesforce.parse(src("salesforce"), body).items, {})
    assert [lead.hot_flag for lead in leads] == [False, False]
    no_rating = sample("salesforce_outbound.xml").replace(b"<sf:Rating>Hot</sf:Rating>", b"")
    leads = validate(salesforce.parse(src("salesforce"), no_rating).items, {})
    assert [lead.hot_flag for lead in leads] == [None, None]
