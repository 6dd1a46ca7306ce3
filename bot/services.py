"""The running product's parts, wired once: settings, database, Slack client, outbox, scheduler.

`Handoff` is what handlers and the web layer receive; it holds no Bolt objects.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry
from slack_sdk import WebClient
from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from bot import metrics
from bot.config import Settings
from bot.db import Database
from bot.home import changes as home_changes
from bot.leads import intake as lead_intake
from bot.leads.listener import lead_listener as alert_listener
from bot.leads.owners import OwnerLookups, request_lookups
from bot.leads.validate import LeadInput
from bot.models import OutboxMessage, utcnow
from bot.outbox import Dispatcher, pending_count
from bot.people import SlackDirectory
from bot.permalinks import Permalinks
from bot.priority import Priority
from bot.scheduler import Scheduler, build_scheduler
from bot.slack_api import make_client
from bot.slack_status import SlackStatus
from bot.sources.config import load_sources
from bot.sources.service import SourceIntake
from bot.states import OutboxStatus

log = logging.getLogger(__name__)

WORKERS = 2  # threads for listeners' work after the ack (/feedback)
HEALTH_DEADLINE = 1.5  # seconds: /healthz answers well within 2 s whatever the database does
HealthCheck = tuple[str, str, "int | None"]
LeadListener = Callable[[Session, list[lead_intake.LeadChange]], None]
Prepare = Callable[[Session, list[LeadInput]], list[LeadInput]]


@dataclass
class Handoff:
    settings: Settings
    db: Database
    client: WebClient
    directory: SlackDirectory
    dispatcher: Dispatcher
    lead_listeners: list[LeadListener] = field(default_factory=list)
    scheduler: Scheduler = field(default_factory=Scheduler)
    slack: SlackStatus | None = None
    # Slack requests awaiting their ack; background work gives way to them (bot.priority).
    priority: Priority = field(default_factory=Priority)
    owner_lookups: OwnerLookups | None = None
    # The lead sources of sources.toml (`POST /leads/<name>`), set by `build`.
    sources: SourceIntake | None = None
    # Every thread and pool of the app is owned here and stopped in `stop()`.
    permalinks: Permalinks = field(init=False)
    listeners: ThreadPoolExecutor = field(init=False)  # Bolt runs Slack listeners here
    background: ThreadPoolExecutor = field(init=False)  # listeners' work after the ack
    # /healthz waits on its own threads, so a busy request pool cannot delay it.
    health_checks: ThreadPoolExecutor = field(init=False)
    # Replayed-signature checks in the database (bot.replays), never on a request's thread.
    signature_checks: ThreadPoolExecutor = field(init=False)
    # ... and their records, written in the background (one writer, batches).
    signature_records: ThreadPoolExecutor = field(init=False)
    # GET /metrics: the database gauges, read on their own thread (bot.metrics).
    metric_reads: ThreadPoolExecutor = field(init=False)
    metrics: CollectorRegistry = field(init=False)
    _health_check: Future[HealthCheck] | None = field(default=None, repr=False)
    _health_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.db.before_work = self.priority.give_way
        self.db.between_statements = self.priority.give_way
        self.permalinks = Permalinks(self.db, self.client)
        self.listeners = ThreadPoolExecutor(max_workers=64, thread_name_prefix="listener")
        self.background = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="after-ack")
        self.health_checks = ThreadPoolExecutor(max_workers=4, thread_name_prefix="healthz")
        # One coalesced query at a time asks for every signature waiting (bot.replays).
        # (Urgent: it reads only for requests awaiting their answer.)
        self.signature_checks = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="replays", initializer=self.priority.always_urgent
        )
        self.signature_records = ThreadPoolExecutor(max_workers=1, thread_name_prefix="replay-log")
        self.metric_reads = ThreadPoolExecutor(max_workers=1, thread_name_prefix="metrics")
        self.metrics = CollectorRegistry(auto_describe=False)
        self.metrics.register(metrics.DatabaseCollector(self.db, self.metric_reads))

    @classmethod
    def build(cls, settings: Settings, *, db: Database | None = None) -> Handoff:
        db = db or Database(
            settings.database_url, timeout=settings.database_timeout.total_seconds()
        )
        client = make_client(settings)
        directory = SlackDirectory(
            db, client, ttl=settings.user_cache_ttl, default_tz=settings.default_timezone
        )
        priority = Priority()
        dispatcher = Dispatcher(
            db,
            client,
            channel_interval=settings.channel_post_interval,
            lease=settings.outbox_lease,
            priority=priority,
        )
        scheduler = build_scheduler(settings, db, directory)
        slack = SlackStatus(client, on_recovery=lambda: retry_now(db, dispatcher))
        owner_lookups = OwnerLookups(db, directory, settings)
        handoff = cls(
            settings,
            db,
            client,
            directory,
            dispatcher,
            scheduler=scheduler,
            slack=slack,
            priority=priority,
            owner_lookups=owner_lookups,
        )
        handoff.lead_listeners.append(alert_listener(settings, directory))
        home_changes.install(settings.home_refresh_interval)
        handoff.sources = SourceIntake(
            db,
            load_sources(settings.sources_file, required=settings.sources_file_required),
            handoff.receive_leads,
        )
        return handoff

    def receive_leads(
        self,
        leads: list[LeadInput],
        *,
        stage_by: str | None = None,
        prepare: Prepare | None = None,
    ) -> lead_intake.IntakeResult:
        """Store a validated batch and let listeners (alerts) react in the same transaction.
        No Slack call: an owner_email neither on the roster nor in the lookup cache is looked
        up in the background (`bot.leads.owners`). `stage_by` names the source that moves
        stages (a CRM's display name); `prepare` may drop leads inside the transaction (a
        source's redeliveries), counted as duplicates."""
        self.priority.give_way()  # a Slack request awaiting its ack goes first
        emails = lead_intake.owner_emails_to_resolve(leads)
        result, unknown = self.db.retrying(
            lambda: self._store_leads(leads, emails, stage_by, prepare)
        )
        metrics.count_intake(leads, result)
        if unknown and self.owner_lookups is not None:
            self.owner_lookups.wake()
        return result

    def _store_leads(
        self,
        leads: list[LeadInput],
        emails: set[str],
        stage_by: str | None = None,
        prepare: Prepare | None = None,
    ) -> tuple[lead_intake.IntakeResult, set[str]]:
        with self.db.session() as session:
            kept = prepare(session, leads) if prepare is not None else leads
            known = self.directory.known_owners(session, emails)
            unknown = emails - known.keys()
            result = lead_intake.save_leads(
                session,
                kept,
                hot_score=self.settings.hot_score,
                owner_for_email=known.get,
                unknown_emails=unknown,
                stage_by=stage_by,
            )
            result.duplicates += len(leads) - len(kept)
            home_changes.leads_inserted(session, result.new_owners, result.new_in_campaign)
            for listener in self.lead_listeners:
                listener(session, result.changes)
            request_lookups(session, unknown)
        return result, unknown

    def start(self) -> None:
        self.dispatcher.start()
        self.scheduler.start()
        if self.slack is not None:
            self.slack.start()
        if self.owner_lookups is not None:
            self.owner_lookups.start()

    def stop(self) -> None:
        self.listeners.shutdown(wait=True, cancel_futures=True)
        self.background.shutdown(wait=True, cancel_futures=True)
        if self.sources is not None:
            self.sources.stop()
        self.permalinks.stop()
        if self.owner_lookups is not None:
            self.owner_lookups.stop()
        if self.slack is not None:
            self.slack.stop()
        self.scheduler.stop()
        self.dispatcher.stop()
        self.background.shutdown(wait=False)
        self.health_checks.shutdown(wait=True, cancel_futures=True)
        self.signature_checks.shutdown(wait=True, cancel_futures=True)
        self.signature_records.shutdown(wait=True)  # the records still owed are written
        self.metric_reads.shutdown(wait=True, cancel_futures=True)
        self.db.dispose()

    def health(self, deadline: float = HEALTH_DEADLINE) -> dict[str, Any]:
        """Database and Slack state within `deadline` seconds, whatever the database does.

        One check runs at a time in its own thread; callers that arrive meanwhile share it, so
        a hung database cannot pile up threads. A check not done by the deadline counts as
        "unreachable"."""
        state, detail, pending = self._database_state(deadline)
        report: dict[str, Any] = {"status": "ok", "database": state}
        if state != "ok":
            report.update(status="unavailable", database_detail=detail)
        if self.slack is not None:
            slack = self.slack.report()
            report.update(slack)
            if state == "ok" and slack["slack"] in {"unreachable", "token rejected"}:
                report["status"] = "degraded"
        if pending is not None:
            report["outbox_pending"] = pending
        return report

    def _database_state(self, deadline: float) -> HealthCheck:
        with self._health_lock:
            if self._health_check is None or self._health_check.done():
                future: Future[HealthCheck] = Future()
                self._health_check = future
                threading.Thread(
                    target=_run_check, args=(self.db, future), name="health", daemon=True
                ).start()
            else:
                future = self._health_check
        try:
            return future.result(timeout=deadline)
        except TimeoutError:
            return "unreachable", f"no answer within {deadline:g}s", None


def retry_now(db: Database, dispatcher: Dispatcher) -> None:
    """Slack answers again: what waits out its backoff is due now (a lease still held by a
    sender is left alone), so an outage's backlog goes out at once, not minutes later."""
    now = utcnow()
    try:
        with db.session() as session:
            session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.status == OutboxStatus.PENDING,
                    OutboxMessage.next_attempt_at > now,
                    or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
                )
                .values(next_attempt_at=now)
                .execution_options(synchronize_session=False)
            )
    except Exception as exc:  # the rows go out on their own schedule anyway
        log.warning("could not hurry the outbox after Slack came back: %s", type(exc).__name__)
    dispatcher.wake()


def _run_check(db: Database, future: Future[HealthCheck]) -> None:
    try:
        state, detail = db.check()
        pending = None
        if state == "ok":
            with db.read_session() as session:
                pending = pending_count(session)
        future.set_result((state, detail, pending))
    except BaseException as exc:  # never leave callers waiting
        future.set_result(("unreachable", type(exc).__name__, None))
