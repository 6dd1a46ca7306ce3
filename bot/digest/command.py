"""`python app.py digest [--manager SLACK_ID] [--dry-run] [--again]`: today's digests now.

Sends regardless of the schedule (any day, any hour), still once per manager and local
date: a manager who already got today's digest is reported and skipped unless `--again`
is given. A digest sent this way counts as today's, so the scheduled one does not repeat it.
`--dry-run` prints the digests as text and records nothing.
"""

from __future__ import annotations

import sys
from typing import TextIO

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from bot.digest.build import DigestContent, build_digests, render_digest
from bot.digest.plain import as_text
from bot.digest.send import manager_ids, send_digests
from bot.models import Person, utcnow
from bot.services import Handoff

DELIVERY_TIMEOUT = 30.0


class UnknownManager(Exception):
    pass


def _check_manager(handoff: Handoff, slack_id: str) -> None:
    with handoff.db.session() as session:
        someone = session.scalar(select(Person).where(Person.slack_id == slack_id))
        rep = aliased(Person)
        has_reps = someone is not None and session.scalar(
            select(exists().where(rep.manager_id == someone.id))
        )
    if someone is None:
        raise UnknownManager(
            f"{slack_id} is not on the roster; `python app.py team list` shows the team"
        )
    if someone.role != "manager" and not has_reps:
        raise UnknownManager(
            f"{slack_id} ({someone.name}) is a {someone.role}, not a manager, and nobody "
            "reports to them"
        )


def _print_dry_run(handoff: Handoff, contents: list[DigestContent], out: TextIO) -> None:
    for content in contents:
        title = (
            f"Digest for {content.manager_name} ({content.manager_id}), "
            f"{content.local_date.isoformat()} ({content.zone.key})"
        )
        print(f"{title}\n{'#' * len(title)}", file=out)
        message = render_digest(content, handoff.settings)
        if message is None:
            print("(nothing stale; DIGEST_ALL_CLEAR is off, so no message)\n", file=out)
            continue
        names = {**content.rep_names, content.manager_id: content.manager_name}
        print(as_text(message, names) + "\n", file=out)


def run(
    handoff: Handoff,
    *,
    manager: str | None = None,
    dry_run: bool = False,
    again: bool = False,
    out: TextIO = sys.stdout,
) -> int:
    if manager is not None:
        _check_manager(handoff, manager)
        wanted = [manager]
    else:
        with handoff.db.session() as session:
            wanted = manager_ids(session)
    if not wanted:
        print("Nobody on the roster is a manager, so there is no digest to send.", file=out)
        return 0
    contents = build_digests(handoff, wanted, now=utcnow())
    if dry_run:
        _print_dry_run(handoff, contents, out)
        return 0
    report = send_digests(handoff, contents, again=again)
    status = handoff.dispatcher.deliver(report.keys, DELIVERY_TIMEOUT) if report.keys else {}
    names = {c.manager_id: f"{c.manager_name} ({c.manager_id})" for c in contents}
    failed = 0
    for content in contents:
        who = names[content.manager_id]
        day = content.local_date.isoformat()
        if content.manager_id in report.skipped:
            print(
                f"{who}: today's digest ({day}) was already sent; --again sends another", file=out
            )
        elif content.manager_id in report.quiet:
            print(f"{who}: nothing stale and DIGEST_ALL_CLEAR is off; nothing sent", file=out)
    for key in report.keys:
        manager_id = key.split(":")[1]
        state = status.get(key, "pending")
        if state == "sent":
            print(f"{names[manager_id]}: digest sent", file=out)
        elif state == "failed":
            failed += 1
            print(f"{names[manager_id]}: Slack refused the digest; see the log", file=out)
        else:
            print(f"{names[manager_id]}: digest queued; the running app will send it", file=out)
    return 1 if failed else 0
