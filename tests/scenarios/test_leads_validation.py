"""POST /leads with inputs that can never be stored: each is a 400 or a 422 naming the lead and
the field, never a 503 "retry later" (a CRM would retry it forever), and nothing is stored.

Bodies are written as raw bytes, signed, so that what a CRM could send (lone surrogates, NaN,
huge numbers, deep nesting) reaches the app exactly."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import func, select

from bot.models import Lead
from tests.scenarios.test_alerts_support import delivered
from tests.support.fake_slack_server import FakeSlackServer
from tests.support.running_app import RunningApp
from tests.support.slack_requests import lead_headers

VALID = '{"id": "ok-1", "name": "Valid Lead"}'


def post_raw(running: RunningApp, body: str | bytes) -> httpx.Response:
    raw = body.encode() if isinstance(body, str) else body
    headers = lead_headers(running.settings.leads_webhook_secret or "", raw)
    return running.http.post("/leads", content=raw, headers=headers)


def count_leads(running: RunningApp) -> int:
    with running.handoff.db.session() as session:
        return session.scalar(select(func.count()).select_from(Lead)) or 0


def stored(running: RunningApp, external_id: str = "crm-1") -> Lead:
    with running.handoff.db.session() as session:
        lead = session.scalar(select(Lead).where(Lead.external_id == external_id))
        assert lead is not None
        session.expunge(lead)
        return lead


def second_lead(fields: str) -> str:
    """A batch whose first lead is valid and whose second (index 1) carries `fields`."""
    return f'[{VALID}, {{"id": "bad-1", "name": "Bad Lead", {fields}}}]'


LONG_EMAIL = "a" * 64 + "@" + ".".join(["b" * 50] * 5) + ".com"  # 321 characters
assert len(LONG_EMAIL) > 320

# (body of lead index 1, the field the 422 must name)
UNSTORABLE = {
    "lone surrogate in name": ('"name": "Ann \\ud800"', "name"),
    "lone low surrogate in note": ('"note": "x\\udfffy"', "note"),
    "lone surrogate in an extra field": ('"utm_source": "\\ud83d"', "utm_source"),
    "lone surrogate in the id": ('"id": "crm-\\ud800"', "id"),
    "NUL in a text field": ('"company": "Acme\\u0000Corp"', "company"),
    "NUL in the id": ('"id": "crm\\u0000"', "id"),
    "NUL deep in an extra field": ('"custom": {"a": ["\\u0000"]}', "custom"),
    "email over 320 characters": (f'"email": "{LONG_EMAIL}"', "email"),
    "owner_email over 320 characters": (f'"owner_email": "{LONG_EMAIL}"', "owner_email"),
    "NaN in an extra field": ('"custom": NaN', "custom"),
    "Infinity nested in an extra field": ('"custom": {"x": [-Infinity]}', "custom"),
    "a float beyond double range in an extra field": ('"custom": 1e400', "custom"),
    "an integer over 4300 digits in an extra field": ('"big": 1' + "0" * 5000, "big"),
    "an integer over 4300 digits as the score": ('"score": 1' + "0" * 5000, "score"),
    "an integer over 4300 digits as the id": ('"id": 1' + "0" * 5000, "id"),
    "created_at that overflows when moved to UTC": (
        '"created_at": "0001-01-01T00:00:00+14:00"',
        "created_at",
    ),
    "created_at at the far end": ('"created_at": "9999-12-31T23:59:59-14:00"', "created_at"),
    "campaign that grows past 80 characters when lower-cased": (
        '"campaign": "' + "\u0130" * 80 + '"',
        "campaign",
    ),
    "extra field nested 500 deep": ('"deep": ' + "[" * 500 + "]" * 500, "deep"),
    "extra data over 64 KiB": ('"blob": "' + "x" * 70_000 + '"', "blob"),
}


@pytest.mark.parametrize(("fields", "field"), UNSTORABLE.values(), ids=UNSTORABLE.keys())
def test_an_unstorable_field_is_a_422_naming_it_and_nothing_is_stored(
    running: RunningApp, fields: str, field: str
) -> None:
    response = post_raw(running, second_lead(fields))
    assert response.status_code == 422, response.text[:300]
    errors = response.json()["errors"]
    assert [(e["index"], e["field"]) for e in errors] == [(1, field)]
    assert count_leads(running) == 0


def test_an_extra_field_with_an_empty_name_is_named(running: RunningApp) -> None:
    response = post_raw(running, second_lead('"": NaN'))
    assert response.status_code == 422
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [(1, "")]


def test_a_surrogate_in_an_extra_field_name_is_named_safely(running: RunningApp) -> None:
    response = post_raw(running, second_lead('"utm\\ud800": 1'))
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["index"], error["field"]) == (1, "utm\\ud800")
    assert count_leads(running) == 0


UNPARSEABLE = {
    "JSON nested 5,000 deep": "[" * 5000 + "]" * 5000,
    "an extra field nested 5,000 deep": second_lead('"deep": ' + "[" * 5000 + "]" * 5000),
    "not UTF-8": b'{"id": "x", "name": "\xff"}',
    "truncated": '{"id": "x", "na',
}


@pytest.mark.parametrize("body", UNPARSEABLE.values(), ids=UNPARSEABLE.keys())
def test_an_unparseable_body_is_a_400(running: RunningApp, body: str | bytes) -> None:
    response = post_raw(running, body)
    assert response.status_code == 400, response.text[:300]
    assert response.json()["error"].startswith("the body is not valid JSON")
    assert count_leads(running) == 0


BAD_EMAILS = [
    "javascript:alert(1)//@x.y",
    "a@[127.0.0.1]",
    "mailto:a@b.c",
    '"a b"@example.com',
    "a b@example.com",
    "ada@localhost",
    "ada@@example.com",
]


@pytest.mark.parametrize("field", ["email", "owner_email"])
@pytest.mark.parametrize("address", BAD_EMAILS)
def test_an_address_that_is_not_an_email_is_refused(
    running: RunningApp, field: str, address: str
) -> None:
    response = running.post_leads(
        [{"id": "ok", "name": "Ok"}, {"id": "x", "name": "X", field: address}]
    )
    assert response.status_code == 422
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [(1, field)]
    assert count_leads(running) == 0


def test_a_valid_email_is_stored_and_shown_as_a_mailto_link(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    response = running.post_leads(
        {
            "id": "crm-1",
            "name": "Dana Ruiz",
            "email": " dana.ruiz@Example.COM ",
            "hot": True,
            "owner": "UREP1",
        }
    )
    assert response.status_code == 202
    assert stored(running).email == "dana.ruiz@example.com"
    alert = delivered(slack, "UREP1", "Dana Ruiz")
    assert "<mailto:dana.ruiz@example.com|dana.ruiz@example.com>" in json.dumps(alert.blocks)


@pytest.mark.parametrize(
    ("score", "stored_score"), [(100.4, 100), (99.5, 100), (79.5, 80), (-0.4, 0), (0.5, 1)]
)
def test_a_score_is_rounded_half_up_then_checked(
    running: RunningApp, score: float, stored_score: int
) -> None:
    response = running.post_leads({"id": "crm-1", "name": "Ada", "score": score})
    assert response.status_code == 202, response.text
    assert stored(running).score == stored_score


@pytest.mark.parametrize("score", [100.5, -0.5, 101, -1])
def test_a_score_outside_0_to_100_after_rounding_is_refused(
    running: RunningApp, score: float
) -> None:
    response = running.post_leads({"id": "crm-1", "name": "Ada", "score": score})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "score"


def test_a_score_of_79_5_makes_the_lead_hot(running: RunningApp) -> None:
    assert running.post_leads({"id": "crm-1", "name": "Ada", "score": 79.5}).status_code == 202
    assert stored(running).hot


def test_a_batch_with_the_same_id_twice_is_refused_naming_both(
    running: RunningApp, slack: FakeSlackServer
) -> None:
    batch = [
        {"id": "crm-1", "name": "Ada", "hot": True, "owner": "UREP1"},
        {"id": "crm-2", "name": "Bob"},
        {"id": "crm-3", "name": "Cy"},
        {"id": " crm-1 ", "name": "Ada", "hot": True, "owner": "UREP2"},
        {"id": 7, "name": "Seven"},
        {"id": "7", "name": "Seven again"},
    ]
    response = running.post_leads(batch)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"index": 3, "field": "id", "error": "duplicate of index 0"},
        {"index": 5, "field": "id", "error": "duplicate of index 4"},
    ]
    assert count_leads(running) == 0
    assert not slack.fake.calls_to("chat.postMessage")


FULL = {
    "id": "crm-1",
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "company": "Analytical Engines",
    "title": "CTO",
    "phone": "+44 20 7946 0000",
    "campaign": "spring",
    "score": 42,
    "hot": False,
    "owner": "UREP1",
    "source": "webinar",
    "note": "call after 3",
    "created_at": "2025-03-14T09:26:53Z",
    "utm_medium": "email",
}


def test_a_resent_lead_keeps_the_fields_it_leaves_out(running: RunningApp) -> None:
    assert running.post_leads(FULL).status_code == 202
    response = running.post_leads({"id": "crm-1", "name": "Ada King", "utm_term": "x"})
    assert response.json() == {"accepted": 0, "updated": 1, "duplicates": 0, "hot": 0}
    lead = stored(running)
    assert lead.name == "Ada King"
    assert (lead.email, lead.company, lead.title, lead.phone) == (
        "ada@example.com",
        "Analytical Engines",
        "CTO",
        "+44 20 7946 0000",
    )
    assert (lead.campaign_code, lead.score, lead.hot_flag, lead.owner_id) == (
        "spring",
        42,
        False,
        "UREP1",
    )
    assert (lead.source, lead.note, lead.created_at.year) == ("webinar", "call after 3", 2025)
    assert lead.extra == {"utm_medium": "email", "utm_term": "x"}


def test_a_resent_lead_clears_the_fields_sent_as_null_or_empty(running: RunningApp) -> None:
    assert running.post_leads(FULL).status_code == 202
    cleared = {
        key: None
        for key in ("email", "company", "title", "campaign", "score", "hot", "owner", "note")
    }
    response = running.post_leads(
        {
            "id": "crm-1",
            "name": "Ada",
            **cleared,
            "phone": "",
            "source": "  ",
            "utm_medium": None,
            "created_at": None,
        }
    )
    assert response.status_code == 202
    lead = stored(running)
    assert (lead.email, lead.company, lead.title, lead.phone, lead.campaign_code) == (None,) * 5
    assert (lead.score, lead.hot_flag, lead.owner_id, lead.source, lead.note) == (None,) * 5
    assert lead.created_at.year == 2025  # created_at is never cleared
    assert lead.extra == {"utm_medium": None}


def test_a_null_name_is_refused_on_a_resend(running: RunningApp) -> None:
    assert running.post_leads(FULL).status_code == 202
    response = running.post_leads({"id": "crm-1", "name": None})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "name"
