"""What a manager can do from the digest: Nudge a rep, and see the digest on demand.

(Reassign is the alerts feature's own button and modal, `LeadIds.REASSIGN`.)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from bot import outbox
from bot.digest.build import add_alert_links, build_digests, lead_view, render_digest
from bot.digest.parts import DigestApp
from bot.digest.query import RepStale, alert_locations, stale_by_rep
from bot.digest.zones import zones
from bot.errors import Refusal
from bot.keys import digest_nudge_key
from bot.messages import Message, escape, render_message
from bot.models import Person, utcnow
from bot.people import person
from bot.permissions import may_nudge_rep
from bot.validation import SLACK_USER_ID

NUDGE_SHOWN = 40
NUDGE_REPEAT_WINDOW = timedelta(minutes=10)


def nudge_rep(handoff: DigestApp, *, actor: str, rep: str, now: datetime | None = None) -> Message:
    """DM `rep` the list of their stale leads on behalf of `actor`; returns the reply to show
    the actor. A second nudge within 10 minutes is not sent again (a double click)."""
    now = now or utcnow()
    settings = handoff.settings
    with handoff.db.session() as session:
        target = person(session, rep) if SLACK_USER_ID.match(rep or "") else None
        if target is None:
            raise Refusal("That rep is no longer on the team, so Handoff cannot nudge them.")
        if not may_nudge_rep(session, actor, target):
            raise Refusal(f"Only {escape(target.name)}'s manager or an admin can nudge them.")
        rep_name = target.name
    zone = zones(handoff.directory, [rep])[rep]
    with handoff.db.session() as session:
        entry = stale_by_rep(
            session,
            {rep: rep_name},
            now=now,
            stale_after=settings.stale_after,
            sla=settings.hot_lead_sla,
            hours=settings.working_hours,
            zone_of=lambda _id: zone,
            per_rep=NUDGE_SHOWN,
        ).get(rep)
        if entry is not None:
            add_alert_links([entry], alert_locations(session, [(x.id, rep) for x in entry.leads]))
    if entry is None:
        return render_message("digest_nudged", outcome="none", rep=rep, rep_name=rep_name, count=0)
    with handoff.db.session() as session:
        manager_name = session.scalar(select(Person.name).where(Person.slack_id == actor))
    message = render_message("digest_nudge", **nudge_context(actor, manager_name, entry, now))
    window = int(now.timestamp() // NUDGE_REPEAT_WINDOW.total_seconds())
    with handoff.db.session() as session:
        queued = outbox.enqueue(
            session,
            "chat.postMessage",
            key=digest_nudge_key(rep, window),
            channel=rep,
            **message.as_args(),
        )
    return render_message(
        "digest_nudged",
        outcome="sent" if queued else "repeat",
        rep=rep,
        rep_name=rep_name,
        count=entry.total,
    )


def nudge_context(
    actor: str, actor_name: str | None, entry: RepStale, now: datetime
) -> dict[str, object]:
    """What `templates/digest_nudge.json.j2` is rendered with."""
    return {
        "manager": actor,
        "manager_name": actor_name or "Your manager",
        "total": entry.total,
        "hot": entry.hot_total,
        "leads": [lead_view(lead, now) for lead in entry.leads],
        "hidden": entry.total - len(entry.leads),
    }


def stale_leads_for(handoff: DigestApp, caller: str, *, now: datetime | None = None) -> Message:
    """`/leads stale`: the caller's digest as of now (managers, or anyone with reps)."""
    now = now or utcnow()
    with handoff.db.session() as session:
        someone = person(session, caller)
        rep = aliased(Person)
        has_reps = someone is not None and bool(
            session.scalar(select(exists().where(rep.manager_id == someone.id)))
        )
    if someone is None or (someone.role != "manager" and not has_reps):
        raise Refusal(
            "`/leads stale` lists the stale leads of a manager's reps, and nobody on the "
            "roster reports to you. `/leads` shows your own open hot leads."
        )
    contents = build_digests(handoff, [caller], now=now)
    message = render_digest(contents[0], handoff.settings, on_demand=True)
    assert message is not None  # on demand always answers
    return message
