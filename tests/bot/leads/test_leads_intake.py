from typing import Any

import pytest
from sqlalchemy import func, select

from bot.db import Database
from bot.leads.intake import save_leads
from bot.leads.validate import LeadValidationError, parse_batch, parse_csv
from bot.models import Campaign, Lead


def lead(**fields: Any) -> dict[str, Any]:
    return {"id": "crm-1", "name": "Ada Lovelace", **fields}


def save(db: Database, payload: Any, hot_score: int = 80) -> Any:
    with db.session() as session:
        return save_leads(session, parse_batch(payload), hot_score=hot_score)


def test_new_then_duplicate_then_update(db: Database) -> None:
    first = save(db, lead(score=90, campaign="Spring-Webinar"))
    assert first.counts() == {"accepted": 1, "updated": 0, "duplicates": 0, "hot": 1}
    assert save(db, lead(score=90, campaign="Spring-Webinar")).counts()["duplicates"] == 1
    updated = save(db, lead(score=90, campaign="Spring-Webinar", company="Analytical Engines"))
    assert updated.counts()["updated"] == 1
    with db.session() as session:
        stored = session.scalar(select(Lead))
        assert session.scalar(select(func.count()).select_from(Lead)) == 1
    assert stored.company == "Analytical Engines"
    assert stored.campaign_code == "spring-webinar"
    assert stored.hot


@pytest.mark.parametrize(
    ("fields", "hot"),
    [({"score": 80}, True), ({"score": 79}, False), ({"hot": True}, True), ({}, False)],
)
def test_hot_rule(db: Database, fields: dict, hot: bool) -> None:
    save(db, lead(**fields))
    with db.session() as session:
        assert session.scalar(select(Lead.hot)) is hot


def test_campaign_threshold_overrides_the_default(db: Database) -> None:
    with db.session() as session:
        session.add(Campaign(code="vip", name="VIP", hot_score=50))
    save(db, lead(score=60, campaign="VIP"))
    with db.session() as session:
        stored = session.scalar(select(Lead))
    assert stored.hot and stored.campaign_id is not None


def test_unknown_fields_are_kept(db: Database) -> None:
    save(db, lead(utm_source="linkedin", custom={"a": [1, 2]}))
    with db.session() as session:
        assert session.scalar(select(Lead.extra)) == {
            "utm_source": "linkedin",
            "custom": {"a": [1, 2]},
        }


def test_owner_email_is_matched(db: Database) -> None:
    with db.session() as session:
        save_leads(
            session,
            parse_batch(lead(owner_email="Rita@Example.com")),
            hot_score=80,
            owner_for_email={"rita@example.com": "UREP1"}.get,
        )
    with db.session() as session:
        assert session.scalar(select(Lead.owner_id)) == "UREP1"


def test_same_id_twice_in_a_batch_is_refused_naming_both() -> None:
    with pytest.raises(LeadValidationError) as caught:
        parse_batch([lead(), lead(id="crm-2"), lead(company="Later")])
    assert caught.value.errors == [{"index": 2, "field": "id", "error": "duplicate of index 0"}]


def test_same_id_twice_in_a_csv_is_refused_naming_both_lines() -> None:
    with pytest.raises(LeadValidationError) as caught:
        parse_csv("id,name\nc1,Ada\nc2,Bob\nc1,Ada again\n")
    assert caught.value.errors == [{"line": 4, "field": "id", "error": "duplicate of line 2"}]


def test_validation_names_index_and_field() -> None:
    with pytest.raises(LeadValidationError) as caught:
        parse_batch(
            [
                lead(),
                {"name": "No id"},
                lead(id="x", score="high"),
                lead(id="y", hot="yes"),
                lead(id="z", email="nope"),
                lead(id="w", owner="rita"),
                lead(id="v", created_at="yesterday"),
                "not an object",
                lead(id="u", name=""),
            ]
        )
    errors = {(e["index"], e["field"]) for e in caught.value.errors}
    assert errors == {
        (1, "id"),
        (2, "score"),
        (3, "hot"),
        (4, "email"),
        (5, "owner"),
        (6, "created_at"),
        (7, None),
        (8, "name"),
    }


def test_batch_limit() -> None:
    with pytest.raises(LeadValidationError, match="problem"):
        parse_batch([lead(id=str(i)) for i in range(501)])
    assert len(parse_batch([lead(id=str(i)) for i in range(500)])) == 500


def test_csv_import_parses_like_json() -> None:
    leads = parse_csv("id,name,score,hot,campaign\nc1,Ada,85,false,Spring\nc2,Bob,,yes,\n")
    assert [(x.external_id, x.score, x.hot_flag, x.campaign_code) for x in leads] == [
        ("c1", 85, False, "spring"),
        ("c2", None, True, None),
    ]


def test_csv_errors_name_lines() -> None:
    with pytest.raises(LeadValidationError) as caught:
        parse_csv("id,name,score,hot\nc1,Ada,lots,\nc2,,10,\nc3,Cy,10,perhaps\n")
    assert [(e["line"], e["field"]) for e in caught.value.errors] == [
        (2, "score"),
        (3, "name"),
        (4, "hot"),
    ]


def test_a_partial_resend_changes_only_what_it_carries(db: Database) -> None:
    save(db, lead(score=90, company="Acme", email="ada@example.com", note="call me"))
    result = save(db, {"id": "crm-1", "name": "Ada Lovelace", "title": "CTO"})
    assert result.counts()["updated"] == 1
    with db.session() as session:
        stored = session.scalar(select(Lead))
    assert (stored.company, stored.email, stored.note, stored.title) == (
        "Acme",
        "ada@example.com",
        "call me",
        "CTO",
    )
    assert stored.hot and stored.score == 90


def test_a_resend_that_lowers_the_score_cools_the_lead(db: Database) -> None:
    save(db, lead(score=90))
    result = save(db, lead(score=20))
    assert result.counts()["updated"] == 1
    with db.session() as session:
        assert session.scalar(select(Lead.hot)) is False


def test_a_cold_lead_turning_hot_is_reported(db: Database) -> None:
    save(db, lead(score=10))
    result = save(db, lead(hot=True))
    assert result.changes[0].became_hot


def test_an_unknown_owner_email_is_pending_and_a_resend_keeps_a_found_owner(db: Database) -> None:
    batch = parse_batch(lead(owner_email="nina@example.com"))
    with db.session() as session:
        save_leads(session, batch, hot_score=80, unknown_emails={"nina@example.com"})
    with db.session() as session:
        stored = session.scalar(select(Lead))
        assert stored is not None and stored.owner_id is None and stored.owner_pending
        stored.owner_id, stored.owner_pending = "UNEW1", False  # Slack answered later
    with db.session() as session:  # the cache has expired: the address is unknown again
        again = save_leads(session, batch, hot_score=80, unknown_emails={"nina@example.com"})
    assert again.counts()["duplicates"] == 1  # same address: the owner stays, nothing moves
    with db.session() as session:
        kept = session.scalar(select(Lead))
    assert kept is not None and kept.owner_id == "UNEW1" and not kept.owner_pending


@pytest.mark.parametrize(
    ("how", "kept"),
    [("round_robin", True), ("claimed", True), ("reassigned", True), ("crm", False), (None, False)],
)
@pytest.mark.parametrize("sent", [{"owner": None}, {"owner_email": ""}, {"owner": ""}])
def test_naming_no_owner_clears_only_an_owner_the_crm_named(
    db: Database, how: str | None, kept: bool, sent: dict[str, Any]
) -> None:
    save(db, lead(score=90))
    with db.session() as session:
        stored = session.scalar(select(Lead))
        stored.owner_id, stored.assigned_how = "UREP1", how
    result = save(db, lead(score=91, **sent))
    [change] = result.changes
    assert change.previous_owner == "UREP1"
    assert change.lead.owner_id == ("UREP1" if kept else None)
    # Naming an owner always decides it, whoever chose the one before.
    save(db, lead(score=91, owner="UREP2"))
    with db.session() as session:
        assert session.scalar(select(Lead.owner_id)) == "UREP2"


def test_a_new_cold_lead_is_stored_and_counted_with_nothing_to_react_to(db: Database) -> None:
    """No ORM object is built for a new cold lead (most of a batch): listeners get the leads
    they react to, and the cold one is listed by its id."""
    result = save(db, [lead(score=10), {"id": "crm-2", "name": "Grace", "score": 95}])
    assert result.counts() == {"accepted": 2, "updated": 0, "duplicates": 0, "hot": 1}
    assert [change.lead.external_id for change in result.changes] == ["crm-2"]
    assert result.new_cold_ids == {"crm-1"}
    with db.session() as session:
        assert session.scalar(select(Lead.hot).where(Lead.external_id == "crm-1")) is False


def test_a_new_cold_lead_sent_twice_in_a_batch_is_updated_by_the_second(db: Database) -> None:
    """(A source's batch, unlike a POST to /leads, may name an id twice: the CRM's history.)"""
    twice = parse_batch(lead(score=10)) + parse_batch(lead(score=95))
    with db.session() as session:
        result = save_leads(session, twice, hot_score=80)
    assert result.counts() == {"accepted": 1, "updated": 1, "duplicates": 0, "hot": 0}
    [change] = result.changes
    assert change.became_hot and not change.created
    assert result.new_cold_ids == set()
    with db.session() as session:
        assert session.scalar(select(Lead.score)) == 95
