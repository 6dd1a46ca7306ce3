"""Erasure: `python app.py leads forget (--email ADDRESS | --id ID)`, or "Forget a lead…" on the
admin's Home (`bot.erasure.home`: the same `forget`, dry run first), takes a lead's personal
data out of Handoff and out of the Slack messages that showed it, keeping the anonymous figures.
Each lead erased is logged with its number and who asked (a Slack id, or the command line).

In one transaction, for each matching lead:

- the lead row keeps its times, campaign, score, stage, owner and source; its name becomes
  `(erased)`, its email, phone, company, title, note, owner_email and extra fields go, and its
  CRM id becomes `erased:<n>`, so the same lead sent again later is a new lead. Its ladder stops;
- every outbox row (queued or sent) that is the lead's own message (an alert, a claim offer, a
  reminder, an escalation, a nudge, a reply in their threads) is replaced by the erased notice;
  in any other (a digest, a summary of reminders, a feedback post, a modal, the Home tab) the
  lines that hold one of its details are;
- every Slack message that showed it and whose content Handoff still has (see RETENTION) gets
  a `chat.update` through the outbox with that same content ("Lead details erased on DATE");
  its own messages are edited even when their rows were pruned. Ephemeral messages and opened
  modals cannot be edited: Slack keeps neither;
- feedback keeps its words with the details cut out; cached lookups of its email go;
- `ERASERS` (a source's request log, say) do their part.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from bot import outbox
from bot.db import Database
from bot.erasure.scrub import contains, details, scrub, scrub_words
from bot.keys import erasure_key
from bot.models import (
    EmailLookup,
    Feedback,
    Lead,
    OutboxMessage,
    OwnerLookup,
    Person,
    SlackMessage,
    SlackUser,
    utcnow,
)
from bot.states import OutboxStatus

log = logging.getLogger(__name__)

ERASED_NAME = "(erased)"
WORD = "[erased]"  # what replaces a detail inside someone's feedback
MESSAGE_METHODS = ("chat.postMessage", "chat.update")
LIVE = (OutboxStatus.PENDING, OutboxStatus.SENT)
LABELS = {
    "rows": "stored Slack messages (outbox) cleaned",
    "edits": "Slack messages to edit (queued: the running Handoff sends them)",
    "feedback": "feedback lines cleaned",
    "lookups": "cached lookups removed",
    "homes": "Home tabs to publish again without it (queued)",
}
KEPT = "Times, campaign, stage and owner are kept for the figures."


def notice(day: datetime) -> str:
    return f"Lead details erased on {day:%Y-%m-%d}"


def notice_args(text: str) -> dict[str, Any]:
    return {
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "plain_text", "text": text}}],
    }


@dataclass
class Erased:
    """What one `forget` changed (or would change), as counts: printed, never the details."""

    leads: list[int] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    dry_run: bool = False

    def headline(self) -> str:
        verb = "Would erase" if self.dry_run else "Erased"
        ids = ", ".join(f"#{n}" for n in self.leads)
        return f"{verb} the personal data of {len(self.leads)} lead(s): {ids}."

    def counted(self) -> list[tuple[int, str]]:
        """Each count with what it counts: the usual five, then any eraser's (by its name)."""
        out = [(self.counts[key], label) for key, label in LABELS.items()]
        out += [(count, what) for what, count in self.counts.items() if what not in LABELS]
        return out

    def lines(self) -> list[str]:
        out = [self.headline()]
        out += [f"  {count} {label}" for count, label in self.counted()]
        out.append(KEPT)
        return out


# A step for personal data kept outside these tables (a source's request log): it gets the
# session, the lead (details still in place) and its search terms, and returns how many rows
# it changed, counted under its name.
Eraser = Callable[[Session, Lead, list[str]], int]
ERASERS: dict[str, Eraser] = {}


class NoSuchLead(Exception):
    pass


class MatchesChanged(Exception):
    """The leads found are no longer the ones the person confirmed (`expect`): nothing done."""

    def __init__(self, leads: list[int]) -> None:
        super().__init__(f"the matching leads are now {leads}")
        self.leads = leads


def find_leads(session: Session, *, email: str | None, external_id: str | None) -> list[Lead]:
    query = select(Lead).where(Lead.erased_at.is_(None))
    if email is not None:
        query = query.where(func.lower(Lead.email) == email.strip().lower())
    else:
        query = query.where(Lead.external_id == external_id)
    return list(session.scalars(query.order_by(Lead.id)))


def forget(
    db: Database,
    *,
    email: str | None = None,
    external_id: str | None = None,
    dry_run: bool = False,
    now: datetime | None = None,
    actor: str | None = None,
    expect: Collection[int] | None = None,
) -> Erased:
    """Erase the leads with this email (any case) or CRM id; `NoSuchLead` when there is none.

    `actor` (a Slack user id) is who asked, for the audit line in the log (none: the command
    line). With `expect`, the lead ids someone was shown and confirmed: when the leads found
    now differ (one erased or arrived since), `MatchesChanged` and nothing is done."""
    if (email is None) == (external_id is None):
        raise ValueError("give an email or an id")
    now = now or utcnow()
    result = Erased(dry_run=dry_run)
    asked = f"by {actor} in the Home" if actor else "from the command line"
    with db.session() as session:
        leads = find_leads(session, email=email, external_id=external_id)
        if not leads:
            raise NoSuchLead(f"no lead with {'that email' if email else 'that id'}")
        if expect is not None and sorted(expect) != [lead.id for lead in leads]:
            raise MatchesChanged([lead.id for lead in leads])
        for lead in leads:
            result.leads.append(lead.id)
            _erase(session, lead, result.counts, now)
            if not dry_run:
                log.info("erased the personal data of lead %d (%s)", lead.id, asked)
        if dry_run:
            session.rollback()
    return result


def _erase(session: Session, lead: Lead, counts: Counter[str], now: datetime) -> None:
    terms = details(lead)
    text = notice(now)
    edits = _clean_outbox(session, lead, terms, text, counts)
    for key, args in edits.items():
        location = session.get(SlackMessage, key)
        if location is None:
            continue  # not landed yet: its queued post was cleaned above
        queued = outbox.enqueue(
            session,
            "chat.update",
            key=erasure_key(lead.id, key),
            target=key,
            channel=location.channel,
            **args,
        )
        counts["edits"] += queued is not None
    for row in _feedback_quoting(session, terms):
        text_before, reply_before = row.text, row.reply_text
        row.text = scrub_words(row.text, terms, WORD) or ""
        row.reply_text = scrub_words(row.reply_text, terms, WORD)
        counts["feedback"] += (row.text, row.reply_text) != (text_before, reply_before)
    counts["lookups"] += _forget_lookups(session, lead)
    for name, eraser in ERASERS.items():
        counts[name] += eraser(session, lead, terms)
    _erase_row(lead, now)


def _own(lead_id: int) -> Any:
    mine = f"lead:{lead_id}:%"
    return or_(
        OutboxMessage.key.like(mine),
        OutboxMessage.target_key.like(mine),
        OutboxMessage.thread_key.like(mine),
    )


def _clean_outbox(
    session: Session, lead: Lead, terms: list[str], text: str, counts: Counter[str]
) -> dict[str, dict[str, Any]]:
    """Clean every outbox row; return the cleaned latest content of each message to edit."""
    own_ids = set(session.scalars(select(OutboxMessage.id).where(_own(lead.id))))
    latest: dict[str, tuple[int, dict[str, Any]]] = {}
    own_keys: set[str] = {
        key
        for key in session.scalars(
            select(SlackMessage.key).where(SlackMessage.key.like(f"lead:{lead.id}:%"))
        )
    }
    cleaned_ids: set[int] = set()
    homes: dict[str, OutboxMessage] = {}  # the latest Home tab published to each person
    newest: dict[str, int] = {}  # each message's newest version, whether it shows the lead or not
    for row in _all_rows(session):
        if row.method == "views.publish" and row.status in LIVE:
            homes[str(row.args.get("user_id"))] = row
        message = _message_key(row)
        if message is not None and row.status in LIVE:
            newest[message] = row.id
        own = row.id in own_ids
        if not own and not contains(row.args, terms):
            continue
        if own and row.method in MESSAGE_METHODS:
            cleaned = {**_kept(row.args), **notice_args(text)}
        else:
            cleaned = scrub(row.args, terms, text)
        row.args = cleaned
        cleaned_ids.add(row.id)
        counts["rows"] += 1
        if message is not None and row.status in LIVE:
            if own:
                own_keys.add(message)
            if message not in latest or latest[message][0] < row.id:
                latest[message] = (row.id, cleaned)
    for user, home in homes.items():
        if home.id in cleaned_ids:  # their Home still shows it: publish it cleaned
            outbox.enqueue(session, "views.publish", user_id=user, view=home.args.get("view"))
            counts["homes"] += 1
    # A message whose newest version no longer shows the lead is left as it is.
    edits = {key: _content(args) for key, (n, args) in latest.items() if newest[key] == n}
    for key in own_keys:  # the lead's own messages, even those whose rows were pruned
        edits[key] = notice_args(text)
    return edits


def _all_rows(session: Session, batch: int = 500) -> Iterator[OutboxMessage]:
    """Every outbox row, oldest first, a batch at a time (rows left unchanged are let go)."""
    last = 0
    while True:
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.id > last)
            .order_by(OutboxMessage.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def _message_key(row: OutboxMessage) -> str | None:
    """The Slack message a row's content ends up in: a post's own, an update's target."""
    if row.method == "chat.postMessage":
        return row.key or f"outbox:{row.id}"
    if row.method == "chat.update":
        return row.target_key
    return None


def _kept(args: dict[str, Any]) -> dict[str, Any]:
    """What of a message's arguments has no text in it (its channel, metadata, unfurl flags)."""
    return {k: v for k, v in args.items() if k not in {"text", "blocks", "attachments"}}


def _content(args: dict[str, Any]) -> dict[str, Any]:
    """The arguments of a chat.update that shows `args`' content (text and blocks both)."""
    return {k: args[k] for k in ("text", "blocks", "attachments") if k in args}


def _feedback_quoting(session: Session, terms: list[str]) -> list[Feedback]:
    found = []
    for row in session.scalars(select(Feedback)).all():
        if contains([row.text, row.reply_text or ""], terms):
            found.append(row)
    return found


def _forget_lookups(session: Session, lead: Lead) -> int:
    emails = {e.strip().lower() for e in (lead.email, lead.owner_email) if e}
    if lead.owner_email:
        shared = session.scalar(
            select(func.count())
            .select_from(Lead)
            .where(
                func.lower(Lead.owner_email) == lead.owner_email.strip().lower(),
                Lead.id != lead.id,
            )
        )
        on_roster = session.scalar(
            select(Person.id).where(func.lower(Person.email) == lead.owner_email.strip().lower())
        )
        if shared or on_roster is not None:  # a rep's address other leads still need
            emails.discard(lead.owner_email.strip().lower())
    removed = 0
    for model, column in (
        (EmailLookup, EmailLookup.email),
        (OwnerLookup, OwnerLookup.email),
        (SlackUser, SlackUser.email),
    ):
        result = session.execute(
            delete(model)
            .where(func.lower(column).in_(emails))
            .execution_options(synchronize_session=False)
        )
        removed += getattr(result, "rowcount", 0) or 0
    return removed


def _erase_row(lead: Lead, now: datetime) -> None:
    lead.name = ERASED_NAME
    lead.email = lead.phone = lead.company = lead.title = lead.note = None
    lead.owner_email = None
    lead.owner_pending = False
    lead.owner_wait_until = None
    lead.extra = {}
    lead.external_id = f"erased:{lead.id}"
    lead.next_due_at = None  # nothing more is due about it
    lead.erased_at = now
