"""Property: whatever JSON a CRM sends, the lead validator either refuses it with errors that
can be sent back as JSON, or accepts leads that can always be stored and shown."""

from __future__ import annotations

import json
import math
from datetime import UTC

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.leads.validate import (
    _TEXT_LIMITS,
    MAX_EXTRA_BYTES,
    LeadInput,
    LeadValidationError,
    parse_batch,
    parse_csv,
)
from bot.validation import BodyError, email_problem, parse_json_body
from tests.support.lead_fuzz import body_bytes, garbage_bodies, lead_bodies

FUZZ = settings(
    max_examples=600,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
COLUMNS = {
    "external_id": "id",
    "name": "name",
    "company": "company",
    "title": "title",
    "phone": "phone",
    "source": "source",
    "note": "note",
    "campaign_code": "campaign",
    "email": "email",
    "owner_id": "owner",
    "owner_email": "owner_email",
}


def assert_storable(lead: LeadInput) -> None:
    for attribute, field in COLUMNS.items():
        value = getattr(lead, attribute)
        if value is None:
            assert attribute != "external_id" and attribute != "name"
            continue
        assert isinstance(value, str) and value, field
        value.encode("utf-8")  # no lone surrogate
        assert "\x00" not in value, field
        assert len(value) <= _TEXT_LIMITS[field], field
    for address in (lead.email, lead.owner_email):
        assert address is None or email_problem(address) is None
    assert lead.score is None or (type(lead.score) is int and 0 <= lead.score <= 100)
    assert lead.hot_flag in (None, True, False)
    if lead.created_at is not None:
        assert lead.created_at.tzinfo is UTC and 1900 <= lead.created_at.year <= 2999
    stored = json.dumps(lead.extra, allow_nan=False, ensure_ascii=False).encode("utf-8")
    assert "\\u0000" not in stored.decode()
    assert len(stored) <= MAX_EXTRA_BYTES + 2 * len(lead.extra) + 2


def check(text: str | bytes) -> None:
    try:
        leads = parse_batch(parse_json_body(body_bytes(text)))
    except BodyError as exc:
        str(exc).encode("utf-8")
        return
    except LeadValidationError as exc:
        assert exc.errors
        json.dumps(exc.errors, ensure_ascii=False, allow_nan=False).encode("utf-8")
        for error in exc.errors:
            assert set(error) == {"index", "field", "error"}
        return
    assert 1 <= len(leads) <= 500
    assert len({lead.external_id for lead in leads}) == len(leads)
    for lead in leads:
        assert_storable(lead)


@FUZZ
@given(lead_bodies)
def test_the_validator_accepts_only_storable_leads_and_refuses_the_rest_cleanly(text: str) -> None:
    check(text)


@FUZZ
@given(garbage_bodies)
def test_the_validator_survives_garbage(body: str | bytes) -> None:
    check(body)


@settings(max_examples=300, deadline=None, database=None)
@given(st.floats(allow_nan=True, allow_infinity=True) | st.integers())
def test_a_score_is_stored_only_if_0_to_100_after_rounding_half_up(score: float) -> None:
    try:
        [lead] = parse_batch({"id": "x", "name": "X", "score": score})
    except LeadValidationError as exc:
        assert exc.errors[0]["field"] == "score"
        assert not (math.isfinite(score) and -0.5 < score < 100.5)
        return
    whole = math.floor(score)
    assert lead.score == whole + (1 if score - whole >= 0.5 else 0)  # exact for |score| < 2**52
    assert 0 <= lead.score <= 100


@pytest.mark.parametrize(
    ("score", "expected"), [(100.4, 100), (99.5, 100), (0.5, 1), (2.5, 3), (-0.4, 0)]
)
def test_a_score_rounds_halves_up(score: float, expected: int) -> None:
    assert parse_batch({"id": "x", "name": "X", "score": score})[0].score == expected


CSV_HEADER = ["id", "name", "score", "hot", "campaign", "email", "owner_email", "created_at", "x"]
wild_cell = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=()), max_size=12),
    st.sampled_from(["nan", "inf", "1e400", "\x00", "\ud800", "İ" * 80, " "]),
)
CSV_CELLS = [
    st.sampled_from(["crm-1", "crm-2", "7", " 7 "]),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=9),
    st.sampled_from(["", "42", "79.5", "100.4", "100.5", "-0.4", "-1"]),
    st.sampled_from(["", "yes", "no", "true", "0"]),
    st.sampled_from(["", "spring", "Spring "]),
    st.sampled_from(["", "a@b.co", "Dana@Example.com"]),
    st.sampled_from(["", "rita@example.com"]),
    st.sampled_from(["", "2025-03-14T09:26:53Z", "2025-03-14 09:26"]),
    st.sampled_from(["", "utm"]),
]
csv_rows = st.tuples(*(st.one_of(good, good, good, wild_cell) for good in CSV_CELLS))


@settings(max_examples=400, deadline=None, database=None)
@given(st.lists(csv_rows, max_size=4))
def test_the_csv_import_accepts_only_storable_leads(rows: list[tuple[str, ...]]) -> None:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    writer.writerows(rows)
    try:
        leads = parse_csv(out.getvalue())
    except LeadValidationError as exc:
        json.dumps(exc.errors, ensure_ascii=False, allow_nan=False).encode("utf-8")
        return
    assert len({lead.external_id for lead in leads}) == len(leads)
    for lead in leads:
        assert_storable(lead)
