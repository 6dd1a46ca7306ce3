"""Erasure from the admin's Home: "Forget a lead…" opens a form (an email address or a lead's
id in the CRM, as `leads forget --email | --id`); submitting it answers bad input on the field
at once, then shows what a dry run of `forget` finds; confirming runs `forget` itself (the one
erasure, with the admin as `actor` for the audit line) and shows what it changed.

Each step asks `permissions.may_erase_leads` again: a crafted request skips the button. The
dry run and the erasure read every stored message, which can take longer than the 3 s Slack
gives a submission, so the submission is answered with a "Checking…" or "Erasing…" view that
has a fresh `external_id`, and the outcome replaces it by `views.update` on that id (retried a
few times: Slack may not be showing the first view yet). If the admin closed it meanwhile, the
erasure's outcome comes as a DM instead. The views show lead numbers and anonymous facts
(arrival, source, campaign, owner, stage), never the details being erased.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import metadata
from bot.db import Database
from bot.erasure import KEPT, Erased, MatchesChanged, NoSuchLead, find_leads, forget
from bot.errors import Refusal
from bot.home.answers import tell_in_dm
from bot.ids import ErasureIds
from bot.messages import Trusted, escape, render_view
from bot.models import Campaign, Lead, utcnow
from bot.permissions import may_erase_leads
from bot.states import STAGE_LABELS, LeadStage
from bot.validation import email_problem

log = logging.getLogger(__name__)

REFUSED = (
    "Only admins can erase a lead's personal data. Ask an admin, or run "
    "`python app.py leads forget` on the server."
)
MAX_ID = 200  # Lead.external_id's length
MAX_EMAIL = 320
MAX_LEADS = 200  # lead ids the confirmation carries in its private_metadata (3000 chars)
SHOWN = 20  # leads listed on the confirmation; the rest are counted
CRM_TOO = "Forget it in your CRM too, or it comes back with the next sync as a new lead."
RETRIES = (0.2, 0.4, 0.8, 1.6, 3.2)  # seconds between views.update attempts on `not_found`


class FormProblem(Exception):
    """Input the form answers on its fields: {block_id: message}."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Query:
    """Which leads to forget: by email (any case) or by CRM id, as `leads forget`; `leads` are
    the ids the confirmation showed (the erasure goes ahead only if they still match)."""

    email: str | None = None
    external_id: str | None = None
    leads: tuple[int, ...] = ()

    @property
    def by(self) -> str:
        return "that email" if self.email is not None else "that id"

    @property
    def block(self) -> str:
        return ErasureIds.EMAIL_BLOCK if self.email is not None else ErasureIds.ID_BLOCK

    def dump(self) -> str:
        return metadata.dump(email=self.email, id=self.external_id, leads=list(self.leads))

    @classmethod
    def load(cls, text: str | None) -> Query:
        try:
            data = metadata.load(text)
        except metadata.BadMetadata:
            raise _OutOfDate from None
        email, external_id = metadata.optional_str(data, "email"), metadata.optional_str(data, "id")
        leads = data.get("leads")
        if (email is None) == (external_id is None) or not isinstance(leads, list):
            raise _OutOfDate
        if not leads or not all(isinstance(n, int) and not isinstance(n, bool) for n in leads):
            raise _OutOfDate
        return cls(email, external_id, tuple(leads))


class _OutOfDate(Exception):
    pass


@dataclass
class Row:
    """A matching lead as the confirmation shows it: no personal data."""

    id: int
    received_at: datetime
    source: str | None
    campaign: str | None
    owner_id: str | None
    stage: str


@dataclass
class Step:
    """What a step shows next: a view, and for the erasure what it changed."""

    view: dict[str, Any]
    erased: Erased | None = None
    lines: list[str] = field(default_factory=list)


# -- the checks -------------------------------------------------------------------------------


def open_form(db: Database, actor: str) -> dict[str, Any]:
    """The form for an admin; `Refusal` for anyone else."""
    with db.read_session() as session:
        if not may_erase_leads(session, actor):
            raise Refusal(REFUSED, "not_admin")
    return form_view()


def _typed(values: dict[str, Any], block: str) -> str:
    return str((values.get(block) or {}).get(ErasureIds.INPUT, {}).get("value") or "").strip()


def read_form(values: dict[str, Any]) -> Query:
    """The form's input as a query; `FormProblem` for empty, both, too long or not an email."""
    email, external_id = _typed(values, ErasureIds.EMAIL_BLOCK), _typed(values, ErasureIds.ID_BLOCK)
    if not email and not external_id:
        raise FormProblem(
            {ErasureIds.EMAIL_BLOCK: "Enter the lead's email address, or its id in your CRM below."}
        )
    if email and external_id:
        both = "Enter an email address or an id, not both."
        raise FormProblem({ErasureIds.EMAIL_BLOCK: both, ErasureIds.ID_BLOCK: both})
    if external_id:
        if len(external_id) > MAX_ID:
            raise FormProblem({ErasureIds.ID_BLOCK: f"An id is at most {MAX_ID} characters."})
        return Query(external_id=external_id)
    problem = email_problem(email) if len(email) <= MAX_EMAIL else "is too long"
    if problem is not None:
        raise FormProblem(
            {ErasureIds.EMAIL_BLOCK: f"That {problem.rstrip('.')}. Example: ada@example.org"}
        )
    return Query(email=email)


def check_form(db: Database, actor: str, values: dict[str, Any]) -> Query:
    """The submitted form, checked quickly enough to answer on the field: `Refusal` for a
    non-admin, `FormProblem` for bad input or no match."""
    with db.read_session() as session:
        if not may_erase_leads(session, actor):
            raise Refusal(REFUSED, "not_admin")
        query = read_form(values)
        found = find_leads(session, email=query.email, external_id=query.external_id)
    if not found:
        raise FormProblem({query.block: f"No lead in Handoff has {query.by} (or it was erased)."})
    return query


def check_confirmation(db: Database, actor: str, private_metadata: str | None) -> Query:
    """The confirmed query; `Refusal` for a non-admin or a view that is not the confirmation
    Handoff showed."""
    with db.read_session() as session:
        if not may_erase_leads(session, actor):
            raise Refusal(REFUSED, "not_admin")
    try:
        return Query.load(private_metadata)
    except _OutOfDate:
        raise Refusal(
            "That confirmation is out of date: start again from your Home. Nothing changed.",
            "out_of_date",
        ) from None


# -- the steps --------------------------------------------------------------------------------


def preview(db: Database, query: Query, *, note: str | None = None) -> Step:
    """The dry run's findings as the confirmation view (or why there is nothing to confirm)."""
    try:
        found = forget(db, email=query.email, external_id=query.external_id, dry_run=True)
    except NoSuchLead:
        return Step(notice_view([f"No lead in Handoff has {query.by} any more. Nothing changed."]))
    if len(found.leads) > MAX_LEADS:
        return Step(
            notice_view(
                [
                    f"{len(found.leads)} leads have {query.by}: more than this form can confirm. "
                    "Run `python app.py leads forget` on the server. Nothing changed."
                ]
            )
        )
    with db.read_session() as session:
        rows = lead_rows(session, found.leads)
    confirmed = Query(query.email, query.external_id, tuple(found.leads))
    return Step(confirm_view(found, rows, confirmed, note=note))


def erase(db: Database, query: Query, *, actor: str, now: datetime | None = None) -> Step:
    """Run the erasure the confirmation showed; its result view (or a fresh confirmation if
    the matching leads changed since)."""
    try:
        done = forget(
            db,
            email=query.email,
            external_id=query.external_id,
            now=now or utcnow(),
            actor=actor,
            expect=query.leads,
        )
    except NoSuchLead:
        return Step(notice_view([f"No lead in Handoff has {query.by} any more. Nothing changed."]))
    except MatchesChanged:
        return preview(
            db, query, note="The leads that match changed since you looked. Nothing was erased yet."
        )
    lines = [f"*{done.headline()}*", *(f"• {n} {label}" for n, label in done.counted())]
    lines += [KEPT, CRM_TOO]
    title = "Lead forgotten" if len(done.leads) == 1 else "Leads forgotten"
    return Step(notice_view(lines, title=title, back=False), erased=done, lines=lines)


def lead_rows(session: Session, ids: Sequence[int]) -> list[Row]:
    shown = list(ids[:SHOWN])
    found = session.execute(
        select(
            Lead.id,
            Lead.received_at,
            Lead.source,
            Campaign.name,
            Lead.campaign_code,
            Lead.owner_id,
            Lead.stage,
        )
        .outerjoin(Campaign, Campaign.id == Lead.campaign_id)
        .where(Lead.id.in_(shown))
        .order_by(Lead.id)
    )
    return [
        Row(n, received, source, campaign or code, owner, _stage(stage))
        for n, received, source, campaign, code, owner, stage in found
    ]


def _stage(stage: str) -> str:
    try:
        return STAGE_LABELS[LeadStage(stage)]
    except ValueError:
        return stage


# -- the views --------------------------------------------------------------------------------


def form_context() -> dict[str, Any]:
    return {"ids": ErasureIds, "max_id": MAX_ID, "max_email": MAX_EMAIL, "crm": CRM_TOO}


def form_view() -> dict[str, Any]:
    return render_view("erasure_form_modal", **form_context())


def confirm_context(
    found: Erased, rows: list[Row], query: Query, *, note: str | None = None
) -> dict[str, Any]:
    return {
        "ids": ErasureIds,
        "metadata": query.dump(),
        "count": len(found.leads),
        "rows": rows,
        "more": len(found.leads) - len(rows),
        "counted": found.counted(),
        "kept": KEPT,
        "note": note,
    }


def confirm_view(
    found: Erased, rows: list[Row], query: Query, *, note: str | None = None
) -> dict[str, Any]:
    return render_view("erasure_confirm_modal", **confirm_context(found, rows, query, note=note))


def pending_view(text: str, *, back: bool) -> dict[str, Any]:
    """A view that says what is under way, with an `external_id` its outcome replaces."""
    return notice_view([text], back=back, external_id=f"erasure-{uuid.uuid4().hex}")


def notice_context(
    lines: list[str],
    *,
    title: str = "Forget a lead",
    back: bool = True,
    external_id: str | None = None,
) -> dict[str, Any]:
    """The app's own lines (never a lead's or a person's text): `code` and *bold* kept."""
    return {
        "title": title,
        "lines": [Trusted(escape(line)) for line in lines],
        "back": back,
        "external_id": external_id,
    }


def notice_view(
    lines: list[str],
    *,
    title: str = "Forget a lead",
    back: bool = True,
    external_id: str | None = None,
) -> dict[str, Any]:
    """A view with nothing to submit: "Back" returns to the form, "Done" (`back=False`)
    closes every view of it."""
    context = notice_context(lines, title=title, back=back, external_id=external_id)
    return render_view("erasure_notice_modal", **context)


def show(
    db: Database,
    client: WebClient,
    pending: dict[str, Any],
    step: Step,
    *,
    actor: str,
    pause: Sequence[float] = RETRIES,
) -> bool:
    """Replace the `pending` view with `step.view`. Slack may not show the pending view yet
    (it comes with the answer to the submission): `not_found` is retried. A view closed by
    then gets an erasure's outcome as a DM (a preview needs none: nothing changed)."""
    for wait in (0.0, *pause):
        time.sleep(wait)
        try:
            client.views_update(external_id=pending["external_id"], view=step.view)
            return True
        except SlackApiError as error:
            if error.response.get("error") != "not_found":
                log.warning("views.update failed: %s", error.response.get("error"))
                break
    if step.erased is not None:
        with db.session() as session:
            tell_in_dm(session, actor, text="\n".join(step.lines))
    return False
