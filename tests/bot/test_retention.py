"""Retention: the prune deletes done outbox rows past RETENTION, Slack event ids after a day and
cached lookups after their TTL, keeps leads and figures, runs once an hour across processes,
and `python app.py db prune [--dry-run]` prints what it removed."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.config import Settings
from bot.db import Database
from bot.models import (
    EmailLookup,
    Feedback,
    JobRun,
    Lead,
    OutboxMessage,
    Person,
    SlackEvent,
    SlackMessage,
    SlackUser,
    SourceRequest,
    SourceSeen,
    utcnow,
)
from bot.outbox import enqueue
from bot.retention import PRUNE_JOB, PruneJob, claim_run, prune
from tests.support.app_process import app_env, run_app

NOW = utcnow()
OLD = NOW - timedelta(days=31)
RECENT = NOW - timedelta(days=29)


def seed(db: Database) -> None:
    with db.session() as session:
        session.add(Person(slack_id="UROSTER", name="On the roster", role="rep"))
        for status in ("sent", "failed", "superseded", "pending"):
            for when, age in ((OLD, "old"), (RECENT, "recent")):
                session.add(
                    OutboxMessage(
                        key=f"{status}:{age}",
                        method="chat.postMessage",
                        channel="C1",
                        args={"text": "Ada Lovelace"},
                        status=status,
                        created_at=when,
                        next_attempt_at=when,
                    )
                )
        session.add(SlackMessage(key="sent:old", channel="C1", ts="1.0"))
        session.add(SlackEvent(event_id="Ev-old", received_at=NOW - timedelta(hours=25)))
        session.add(SlackEvent(event_id="Ev-new", received_at=NOW - timedelta(hours=23)))
        session.add(EmailLookup(email="old@x.test", fetched_at=NOW - timedelta(hours=25)))
        session.add(EmailLookup(email="new@x.test", fetched_at=NOW - timedelta(hours=23)))
        session.add(SlackUser(slack_id="UOLD", fetched_at=NOW - timedelta(hours=25)))
        session.add(SlackUser(slack_id="UROSTER", fetched_at=NOW - timedelta(hours=25)))
        session.add(SlackUser(slack_id="UNEW", fetched_at=NOW - timedelta(hours=23)))
        session.add(Lead(external_id="L1", name="Ada", created_at=OLD, received_at=OLD))
        session.add(Feedback(author_id="UREP1", text="old words", created_at=OLD))
        for when, age in ((OLD, "old"), (RECENT, "recent")):
            session.add(SourceRequest(source="hubspot", at=when, status=202, error=age))
            session.add(SourceSeen(source="hubspot", key=f"e:{age}", at=when))
            session.add(SourceSeen(source="salesforce", key=f"n:{age}", at=when))
            session.add(SourceSeen(source="salesforce", key=f"r:{age}", at=when))


def left(db: Database) -> dict[str, list[str] | int]:
    with db.session() as session:
        return {
            "outbox": sorted(session.scalars(select(OutboxMessage.key))),  # type: ignore[arg-type]
            "events": sorted(session.scalars(select(SlackEvent.event_id))),
            "lookups": sorted(session.scalars(select(EmailLookup.email))),
            "users": sorted(session.scalars(select(SlackUser.slack_id))),
            "leads": session.scalar(select(func.count()).select_from(Lead)) or 0,
            "feedback": session.scalar(select(func.count()).select_from(Feedback)) or 0,
            "locations": sorted(session.scalars(select(SlackMessage.key))),
            "source log": sorted(session.scalars(select(SourceRequest.error))),  # type: ignore[arg-type]
            "source seen": sorted(session.scalars(select(SourceSeen.key))),
        }


EXPECTED_AFTER = {
    "outbox": [
        "failed:recent",
        "pending:old",
        "pending:recent",
        "sent:recent",
        "superseded:recent",
    ],
    "events": ["Ev-new"],
    "lookups": ["new@x.test"],
    "users": ["UNEW", "UROSTER"],
    "leads": 1,
    "feedback": 1,
    "locations": ["sent:old"],
    "source log": ["recent"],
    # delivery ids past RETENTION go; a record's newest version seen (r:) is kept
    "source seen": ["e:recent", "n:recent", "r:old", "r:recent"],
}


def test_prune_removes_what_is_past_its_time_and_keeps_the_figures(
    db: Database, settings: Settings
) -> None:
    seed(db)
    before = left(db)
    dry = prune(db, settings, dry_run=True, now=NOW)
    assert left(db) == before
    assert dry.lines() == [
        "Would remove 3 sent and failed Slack messages (outbox).",
        "Would remove 1 Slack event ids and signatures.",
        "Would remove 1 cached email lookups.",
        "Would remove 1 cached Slack profiles.",
        "Would remove 0 job runs.",
        "Would remove 1 lead source request log lines.",
        "Would remove 2 lead source delivery ids.",
    ]
    done = prune(db, settings, now=NOW)
    assert done.counts == dry.counts and not done.dry_run
    assert left(db) == EXPECTED_AFTER
    assert prune(db, settings, now=NOW).total == 0


def test_a_pruned_post_is_not_posted_again(db: Database, settings: Settings) -> None:
    """The alert's row is gone but where it landed is known: its key still counts as used."""
    seed(db)
    prune(db, settings, now=NOW)
    with db.session() as session:
        assert enqueue(session, "chat.postMessage", key="sent:old", channel="C1") is None
        assert enqueue(session, "chat.postMessage", key="fresh", channel="C1") is not None


def test_retention_setting_decides_the_cutoff(db: Database, settings: Settings) -> None:
    seed(db)
    prune(db, replace(settings, retention=timedelta(days=60)), now=NOW)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 8


def test_the_job_runs_once_an_hour_across_processes(db: Database, settings: Settings) -> None:
    seed(db)
    first = PruneJob(db, settings, clock=lambda: NOW)
    second = PruneJob(db, settings, clock=lambda: NOW)  # another process, same hour
    ran = first.tick()
    assert ran is not None and ran.total == 9
    assert second.tick() is None
    later = PruneJob(db, settings, clock=lambda: NOW + timedelta(hours=1))
    assert later.tick() is not None
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(JobRun)) == 2
    assert not claim_run(db, PRUNE_JOB, f"{NOW:%Y-%m-%dT%H}")


def test_db_prune_command(db: Database, tmp_path: Path) -> None:
    seed(db)
    env = app_env("http://127.0.0.1:9/api/", db.url)
    dry = run_app("db", "prune", "--dry-run", env=env, cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert "Would remove 3 sent and failed Slack messages (outbox)." in dry.stdout
    assert "Nothing was removed (dry run). RETENTION is 30d." in dry.stdout
    run = run_app("db", "prune", env={**env, "RETENTION": "30d"}, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == "Removed 3 sent and failed Slack messages (outbox)."
    assert left(db) == EXPECTED_AFTER
    bad = run_app("db", "prune", env={**env, "RETENTION": "2h"}, cwd=tmp_path)
    assert bad.returncode == 3
    assert "RETENTION: '2h' is shorter than a day" in bad.stderr
