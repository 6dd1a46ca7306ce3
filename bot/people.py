"""The team roster and what Slack knows about people (names, time zones, emails), cached."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import Database
from bot.models import ROLES, EmailLookup, Person, SlackUser, utcnow
from bot.validation import EMAIL, SLACK_USER_ID, normalise_email

log = logging.getLogger(__name__)

ROSTER_HEADER = ["slack_id", "email", "name", "role", "manager"]


class RosterError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class RosterResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class _Row:
    line: int
    slack_id: str
    email: str | None
    name: str
    role: str
    manager: str | None
    tz: str | None
    crm_id: str | None = None
    has_crm_id: bool = False
    weight: str | None = None


def _parse_roster(text: str) -> tuple[list[_Row], list[str]]:
    reader = csv.reader(io.StringIO(text))
    problems: list[str] = []
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return [], ["the file is empty; the first line must be: " + ",".join(ROSTER_HEADER)]
    except csv.Error as exc:
        return [], [f"line 1: not valid CSV ({exc})"]
    extras = header[5:]
    if (
        header[:5] != ROSTER_HEADER
        or any(h not in {"tz", "crm_id", "weight"} for h in extras)
        or len(set(extras)) != len(extras)
    ):
        return [], [
            f"line 1: the header must be {','.join(ROSTER_HEADER)} "
            "(optionally ,tz ,crm_id ,weight, each once); "
            f"found {','.join(header)}"
        ]
    rows: list[_Row] = []
    seen_ids: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    seen_crm: dict[str, int] = {}
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                problems.append(f"line {line}: expected {len(header)} columns, found {len(record)}")
                continue
            cells = dict(zip(header, (c.strip() for c in record), strict=True))
            row = _Row(
                line=line,
                slack_id=cells["slack_id"],
                email=normalise_email(cells["email"]) if cells["email"] else None,
                name=cells["name"],
                role=cells["role"].lower(),
                manager=cells["manager"] or None,
                tz=cells.get("tz") or None,
                crm_id=cells.get("crm_id") or None,
                has_crm_id="crm_id" in cells,
                weight=cells.get("weight") or None,
            )
            problems.extend(_row_problems(row, seen_ids, seen_emails))
            if row.crm_id is not None:
                if len(row.crm_id) > 64:
                    problems.append(f"line {line}: crm_id is longer than 64 characters")
                elif row.crm_id in seen_crm:
                    problems.append(
                        f"line {line}: crm_id {row.crm_id} already on line {seen_crm[row.crm_id]}"
                    )
                seen_crm.setdefault(row.crm_id, line)
            rows.append(row)
    except csv.Error as exc:
        problems.append(f"line {reader.line_num}: not valid CSV ({exc})")
    return rows, problems


def _row_problems(row: _Row, seen_ids: dict[str, int], seen_emails: dict[str, int]) -> list[str]:
    where = f"line {row.line}"
    problems = []
    if not row.slack_id:
        problems.append(f"{where}: slack_id is missing")
    elif not SLACK_USER_ID.match(row.slack_id):
        problems.append(
            f"{where}: slack_id {row.slack_id!r} is not a Slack user ID (like U0123ABCD)"
        )
    elif row.slack_id in seen_ids:
        problems.append(
            f"{where}: slack_id {row.slack_id} already on line {seen_ids[row.slack_id]}"
        )
    else:
        seen_ids[row.slack_id] = row.line
    if row.email is not None:
        if not EMAIL.match(row.email):
            problems.append(f"{where}: email {row.email!r} is not an email address")
        elif row.email in seen_emails:
            problems.append(f"{where}: email {row.email} already on line {seen_emails[row.email]}")
        else:
            seen_emails[row.email] = row.line
    if not row.name:
        problems.append(f"{where}: name is missing")
    elif len(row.name) > 200:
        problems.append(f"{where}: name is longer than 200 characters")
    if row.role not in ROLES:
        problems.append(f"{where}: role {row.role!r} is not one of {', '.join(ROLES)}")
    if row.tz is not None:
        try:
            ZoneInfo(row.tz)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(f"{where}: tz {row.tz!r} is not a time zone like Europe/Berlin")
    if row.weight is not None and not (row.weight.isdigit() and int(row.weight) <= 100):
        problems.append(f"{where}: weight {row.weight!r} is not a whole number from 0 to 100")
    return problems


def import_roster(session: Session, text: str) -> RosterResult:
    """Upsert people from roster CSV text. All or nothing: raises RosterError listing problems."""
    rows, problems = _parse_roster(text)
    existing = {p.slack_id: p for p in session.scalars(select(Person))}
    by_email = {p.email: p.slack_id for p in existing.values() if p.email}
    file_ids = {r.slack_id for r in rows}
    file_emails = {r.email: r.slack_id for r in rows if r.email}

    def manager_id_of(row: _Row) -> str | None:
        ref = row.manager
        if ref is None:
            return None
        if "@" in ref:
            ref = file_emails.get(normalise_email(ref)) or by_email.get(normalise_email(ref), "")
        elif ref not in file_ids and ref not in existing:
            ref = ""
        if not ref:
            problems.append(
                f"line {row.line}: manager {row.manager!r} is neither in this file nor in the team"
            )
            return None
        if ref == row.slack_id:
            problems.append(f"line {row.line}: {row.name} cannot be their own manager")
        return ref

    managers = {row.slack_id: manager_id_of(row) for row in rows}
    for row in rows:
        owner = by_email.get(row.email) if row.email else None
        if owner is not None and owner != row.slack_id and owner not in file_ids:
            problems.append(f"line {row.line}: email {row.email} already belongs to {owner}")
    crm_owner = {p.crm_id: p.slack_id for p in existing.values() if p.crm_id}
    for row in rows:
        holder = crm_owner.get(row.crm_id) if row.crm_id else None
        if holder is not None and holder != row.slack_id and holder not in file_ids:
            problems.append(f"line {row.line}: crm_id {row.crm_id} already belongs to {holder}")
    if problems:
        raise RosterError(problems)

    status: dict[str, str] = {}
    people: dict[str, Person] = {}
    for row in rows:
        person = existing.get(row.slack_id)
        values = {
            "email": row.email,
            "name": row.name,
            "role": row.role,
            "tz_override": row.tz,
            "weight": int(row.weight) if row.weight is not None else None,
        }
        if row.has_crm_id:  # a file without the column leaves the CRM ids as they are
            values["crm_id"] = row.crm_id
        if person is None:
            person = Person(slack_id=row.slack_id, **values)
            session.add(person)
            status[row.slack_id] = "added"
        elif any(getattr(person, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(person, key, value)
            status[row.slack_id] = "updated"
        else:
            status[row.slack_id] = "unchanged"
        people[row.slack_id] = person
    session.flush()
    ids = {slack_id: p.id for slack_id, p in {**existing, **people}.items()}
    for slack_id, manager in managers.items():
        wanted = ids[manager] if manager else None
        if people[slack_id].manager_id != wanted:
            people[slack_id].manager_id = wanted
            if status[slack_id] == "unchanged":
                status[slack_id] = "updated"
    counts = list(status.values())
    return RosterResult(counts.count("added"), counts.count("updated"), counts.count("unchanged"))


def roster(session: Session) -> list[tuple[Person, Person | None]]:
    people = list(session.scalars(select(Person).order_by(Person.role, Person.name)))
    by_id = {p.id: p for p in people}
    return [(p, by_id.get(p.manager_id) if p.manager_id else None) for p in people]


def person(session: Session, slack_id: str) -> Person | None:
    return session.scalar(select(Person).where(Person.slack_id == slack_id))


def manager_of(session: Session, rep: Person) -> Person | None:
    return session.get(Person, rep.manager_id) if rep.manager_id else None


def has_role(session: Session, slack_id: str, *roles: str) -> bool:
    someone = person(session, slack_id)
    return someone is not None and someone.role in roles


@dataclass(frozen=True)
class EmailAnswer:
    """What users.lookupByEmail said: `slack_id` (None: no such user), or, with `error` set,
    no answer at all (5xx, 429, connection error): try again, after `retry_after` if given."""

    slack_id: str | None = None
    error: str | None = None
    retry_after: float | None = None

    @property
    def answered(self) -> bool:
        return self.error is None


class SlackDirectory:
    """users.info and users.lookupByEmail through a database cache (misses are cached too)."""

    def __init__(
        self,
        db: Database,
        client: WebClient | None,
        *,
        ttl: timedelta = timedelta(hours=24),
        default_tz: str = "UTC",
        clock: Callable = utcnow,
    ) -> None:
        self.db = db
        self.client = client
        self.ttl = ttl
        self.default_tz = default_tz
        self.clock = clock

    def known_owners(self, session: Session, emails: Iterable[str]) -> dict[str, str | None]:
        """What the roster and the fresh lookup cache already say about `emails` (normalised),
        read through `session` with no Slack call: a Slack user ID, or None for an address
        Slack does not know. An address missing from the answer is unknown: ask Slack."""
        wanted = sorted(set(emails))
        known: dict[str, str | None] = {}
        cutoff = self.clock() - self.ttl
        for start in range(0, len(wanted), 400):
            chunk = wanted[start : start + 400]
            rows = session.execute(
                select(Person.email, Person.slack_id).where(Person.email.in_(chunk))
            )
            known.update((email, slack_id) for email, slack_id in rows if email)
            cached = session.scalars(
                select(EmailLookup).where(
                    EmailLookup.email.in_(chunk), EmailLookup.fetched_at > cutoff
                )
            )
            for hit in cached:
                known.setdefault(hit.email, hit.slack_id)
        return known

    def ask_slack(self, email: str) -> EmailAnswer:
        """One users.lookupByEmail, not cached here: found, not in Slack, or try again."""
        if self.client is None:
            return EmailAnswer(error="no_client")
        try:
            found = self.client.users_lookupByEmail(email=email)["user"]["id"]
        except SlackApiError as exc:
            response = exc.response
            data = response.data if isinstance(response.data, dict) else {}
            error = str(data.get("error") or f"http_{response.status_code}")
            if error == "users_not_found":
                return EmailAnswer()
            retry_after = None
            if response.status_code == 429:
                headers = {k.lower(): v for k, v in (response.headers or {}).items()}
                raw = headers.get("retry-after")
                if isinstance(raw, list):
                    raw = raw[0] if raw else None
                try:
                    retry_after = max(1.0, float(raw)) if raw is not None else 30.0
                except ValueError:
                    retry_after = 30.0
            return EmailAnswer(error=error[:64], retry_after=retry_after)
        except Exception as exc:  # connection refused, timeout, a body that is not JSON ...
            return EmailAnswer(error=type(exc).__name__[:64])
        return EmailAnswer(slack_id=str(found))

    def remember(self, session: Session, email: str, slack_id: str | None) -> None:
        """Cache an answer of users.lookupByEmail (a miss too)."""
        session.merge(EmailLookup(email=email, slack_id=slack_id, fetched_at=self.clock()))

    def slack_id_for_email(self, email: str) -> str | None:
        """Roster, cache, then one live lookup (cached); None when unknown or Slack failed.
        Intake does not use this (see bot.leads.owners): it is for one-off lookups."""
        email = normalise_email(email)
        with self.db.session() as session:
            known = self.known_owners(session, [email])
        if email in known:
            return known[email]
        answer = self.ask_slack(email)
        if not answer.answered:
            log.warning("users.lookupByEmail failed: %s", answer.error)
            return None
        with self.db.session() as session:
            self.remember(session, email, answer.slack_id)
        return answer.slack_id

    def user(self, slack_id: str) -> SlackUser | None:
        with self.db.session() as session:
            cached = session.get(SlackUser, slack_id)
            if cached is not None and self.clock() - cached.fetched_at < self.ttl:
                return cached
        if self.client is None:
            return cached
        try:
            data = self.client.users_info(user=slack_id)["user"]
        except (SlackApiError, OSError) as exc:
            log.warning("users.info failed for a user: %s", type(exc).__name__)
            return cached
        fresh = SlackUser(
            slack_id=slack_id,
            email=(data.get("profile") or {}).get("email"),
            name=data.get("real_name") or data.get("name"),
            tz=data.get("tz"),
            fetched_at=self.clock(),
        )
        with self.db.session() as session:
            session.merge(fresh)
        return fresh

    def timezone(self, slack_id: str) -> ZoneInfo:
        """The person's zone: roster override, else Slack's, else DEFAULT_TIMEZONE."""
        with self.db.session() as session:
            override = session.scalar(select(Person.tz_override).where(Person.slack_id == slack_id))
        name = override or (info.tz if (info := self.user(slack_id)) else None)
        try:
            return ZoneInfo(name or self.default_tz)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo(self.default_tz)
