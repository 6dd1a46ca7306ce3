"""bot.erasure.home without Slack: the form's checks, the confirmation's metadata, an erasure
confirmed for leads that changed since, and what happens when the admin's modal is gone."""

from __future__ import annotations

from typing import Any
from unittest.mock import Mock

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy import select

from bot.db import Database
from bot.erasure import MatchesChanged, forget
from bot.erasure import home as erasure
from bot.errors import Refusal
from bot.ids import ErasureIds
from bot.models import Lead, OutboxMessage
from tests.support.team import seed_team

EMAIL, ID = ErasureIds.EMAIL_BLOCK, ErasureIds.ID_BLOCK


def form(email: str | None = None, crm_id: str | None = None) -> dict[str, Any]:
    return {
        EMAIL: {ErasureIds.INPUT: {"type": "plain_text_input", "value": email}},
        ID: {ErasureIds.INPUT: {"type": "plain_text_input", "value": crm_id}},
    }


def add_lead(db: Database, external_id: str, email: str | None = None) -> int:
    with db.session() as session:
        lead = Lead(external_id=external_id, name="Ada Lovelace", email=email, owner_id="UREP1")
        session.add(lead)
        session.flush()
        return lead.id


def erased(db: Database) -> list[int]:
    with db.session() as session:
        return list(session.scalars(select(Lead.id).where(Lead.erased_at.is_not(None))))


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        (form(), {EMAIL: "Enter the lead's email address, or its id in your CRM below."}),
        (
            form("  ", "   "),
            {EMAIL: "Enter the lead's email address, or its id in your CRM below."},
        ),
        (
            form("ada@example.org", "crm-1"),
            {
                EMAIL: "Enter an email address or an id, not both.",
                ID: "Enter an email address or an id, not both.",
            },
        ),
        (form(crm_id="x" * 201), {ID: "An id is at most 200 characters."}),
        (form("a" * 321 + "@example.org"), {EMAIL: "That is too long. Example: ada@example.org"}),
    ],
)
def test_the_form_answers_bad_input_on_its_field(
    values: dict[str, Any], errors: dict[str, str]
) -> None:
    with pytest.raises(erasure.FormProblem) as problem:
        erasure.read_form(values)
    assert problem.value.errors == errors


def test_a_malformed_email_says_why() -> None:
    with pytest.raises(erasure.FormProblem) as problem:
        erasure.read_form(form("ada@localhost"))
    message = problem.value.errors[EMAIL]
    assert message.startswith("That is not an email address: ") and ".." not in message


def test_the_form_reads_an_email_or_an_id() -> None:
    assert erasure.read_form(form(" Ada@Example.org ")) == erasure.Query(email="Ada@Example.org")
    assert erasure.read_form(form(crm_id=" crm-1 ")) == erasure.Query(external_id="crm-1")


def test_only_admins_get_past_the_form(db: Database) -> None:
    seed_team(db)
    add_lead(db, "crm-1", "ada@example.org")
    for someone in ("UREP1", "UMGR1", "UMKT1", "UOUTSIDER"):
        with pytest.raises(Refusal, match="Only admins"):
            erasure.open_form(db, someone)
        with pytest.raises(Refusal, match="Only admins"):
            erasure.check_form(db, someone, form("ada@example.org"))
        with pytest.raises(Refusal, match="Only admins"):
            erasure.check_confirmation(db, someone, erasure.Query(external_id="crm-1").dump())
    assert erasure.open_form(db, "UADMIN")["callback_id"] == ErasureIds.FORM_VIEW
    assert erasure.check_form(db, "UADMIN", form("ADA@example.org")).email == "ADA@example.org"
    with pytest.raises(erasure.FormProblem) as problem:
        erasure.check_form(db, "UADMIN", form(crm_id="crm-2"))
    assert problem.value.errors == {ID: "No lead in Handoff has that id (or it was erased)."}


@pytest.mark.parametrize(
    "metadata",
    [
        "",
        "[]",
        '{"email": "a@example.org", "id": "x", "leads": [1]}',  # both
        '{"email": null, "id": null, "leads": [1]}',  # neither
        '{"email": "a@example.org", "leads": []}',
        '{"email": "a@example.org", "leads": "all"}',
        '{"email": "a@example.org", "leads": [true]}',
    ],
)
def test_a_confirmation_not_as_handoff_wrote_it_is_out_of_date(db: Database, metadata: str) -> None:
    seed_team(db)
    with pytest.raises(Refusal, match="out of date"):
        erasure.check_confirmation(db, "UADMIN", metadata)


def test_the_confirmation_carries_the_query_and_the_leads_shown(db: Database) -> None:
    seed_team(db)
    first = add_lead(db, "crm-1", "ada@example.org")
    second = add_lead(db, "crm-2", "ADA@example.org")
    step = erasure.preview(db, erasure.Query(email="ada@example.org"))
    view = step.view
    assert view["callback_id"] == ErasureIds.CONFIRM_VIEW and step.erased is None
    query = erasure.check_confirmation(db, "UADMIN", view["private_metadata"])
    assert query == erasure.Query(email="ada@example.org", leads=(first, second))
    assert erased(db) == []  # a preview is a dry run


def test_leads_that_changed_since_the_confirmation_are_shown_again(db: Database) -> None:
    first = add_lead(db, "crm-1", "ada@example.org")
    shown = erasure.Query(email="ada@example.org", leads=(first,))
    second = add_lead(db, "crm-2", "ada@example.org")  # arrived while the admin looked
    with pytest.raises(MatchesChanged):
        forget(db, email="ada@example.org", expect=[first])
    step = erasure.erase(db, shown, actor="UADMIN")
    assert step.erased is None and erased(db) == []
    assert "changed since you looked" in str(step.view)
    again = erasure.Query.load(step.view["private_metadata"])
    assert again.leads == (first, second)
    done = erasure.erase(db, again, actor="UADMIN")
    assert done.erased is not None and done.erased.leads == [first, second]
    assert sorted(erased(db)) == [first, second]
    assert done.view["title"]["text"] == "Leads forgotten"


def test_more_leads_than_a_confirmation_carries_go_to_the_command_line(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(erasure, "MAX_LEADS", 1)
    add_lead(db, "crm-1", "ada@example.org")
    add_lead(db, "crm-2", "ada@example.org")
    step = erasure.preview(db, erasure.Query(email="ada@example.org"))
    assert "python app.py leads forget" in str(step.view) and "submit" not in step.view


def slack_error(code: str) -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.com/api/views.update",
        req_args={},
        data={"ok": False, "error": code},
        headers={},
        status_code=200,
    )
    return SlackApiError(code, response)


def dms(db: Database) -> list[OutboxMessage]:
    with db.session() as session:
        return list(
            session.scalars(select(OutboxMessage).where(OutboxMessage.method == "chat.postMessage"))
        )


def test_the_outcome_replaces_the_pending_view_once_slack_shows_it(db: Database) -> None:
    client = Mock(spec=WebClient)
    client.views_update.side_effect = [slack_error("not_found"), None]
    pending = erasure.pending_view("Erasing…", back=False)
    step = erasure.Step(erasure.notice_view(["Done."], back=False))
    assert erasure.show(db, client, pending, step, actor="UADMIN", pause=(0, 0))
    assert client.views_update.call_count == 2
    assert client.views_update.call_args.kwargs == {
        "external_id": pending["external_id"],
        "view": step.view,
    }
    assert dms(db) == []


def test_an_erasure_whose_modal_was_closed_is_told_by_dm(db: Database) -> None:
    lead = add_lead(db, "crm-1", "ada@example.org")
    client = Mock(spec=WebClient)
    client.views_update.side_effect = slack_error("not_found")
    pending = erasure.pending_view("Erasing…", back=False)
    preview = erasure.preview(db, erasure.Query(email="ada@example.org"))
    assert not erasure.show(db, client, pending, preview, actor="UADMIN", pause=(0, 0))
    assert client.views_update.call_count == 3 and dms(db) == []  # a preview: nothing to tell
    done = erasure.erase(db, erasure.Query(email="ada@example.org", leads=(lead,)), actor="UADMIN")
    assert not erasure.show(db, client, pending, done, actor="UADMIN", pause=(0, 0))
    [dm] = dms(db)
    assert dm.args["channel"] == "UADMIN"
    assert f"Erased the personal data of 1 lead(s): #{lead}." in dm.args["text"]
    assert "ada" not in dm.args["text"].lower()


def test_other_slack_errors_are_not_retried(db: Database) -> None:
    client = Mock(spec=WebClient)
    client.views_update.side_effect = slack_error("invalid_arguments")
    pending = erasure.pending_view("Checking…", back=True)
    step = erasure.Step(erasure.notice_view(["Nothing."]))
    assert not erasure.show(db, client, pending, step, actor="UADMIN", pause=(0, 0))
    assert client.views_update.call_count == 1
