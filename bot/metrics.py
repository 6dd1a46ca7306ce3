"""Metrics for Prometheus (`GET /metrics`, served by `handlers.metrics`).

Two kinds:
- what this process did, counted as it happens: leads received (by source and result), Slack
  messages sent by kind (alerts, reminders, escalations ...), Slack Web API calls by method and
  result with their latency, the time from a lead accepted to its alert sent, the ladder's
  sweep duration. Counters start at zero when a process starts (Prometheus' `rate()` and
  `increase()` allow for that); with several processes, sum them;
- what the database says, read at each scrape (`DatabaseCollector`): outbox messages pending
  and failed, the age of the oldest pending one, and when each source's last lead arrived.
  Every process reports the same values: take `max()` across them.

Labels are bounded: a lead's `source` is cut to 40 characters and the first `MAX_SOURCES`
distinct ones are kept (later ones count as `other`); results and kinds are fixed sets. No
label holds personal data.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter as Tally
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as WaitTimeout
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.slack_response import SlackResponse
from sqlalchemy import func, select

from bot.db import Database
from bot.leads.intake import IntakeResult
from bot.leads.validate import LeadInput
from bot.models import Lead, OutboxMessage, utcnow
from bot.states import OutboxStatus

REGISTRY = CollectorRegistry(auto_describe=True)
MAX_SOURCES = 50
NO_SOURCE = "none"
SCRAPE_DEADLINE = 2.0  # seconds the database gauges may take before the scrape goes without

LEADS = Counter(
    "handoff_leads_received",
    "Leads received on POST /leads or by import, by source and result "
    "(accepted: new, updated, duplicate: unchanged, rejected: the request was refused)",
    ["source", "result"],
    registry=REGISTRY,
)
MESSAGES_SENT = Counter(
    "handoff_messages_sent",
    "Slack messages delivered by the outbox, by kind (alert, claim, reminder, escalation, "
    "summary, digest, feedback, campaign, other)",
    ["kind", "method"],
    registry=REGISTRY,
)
MESSAGES_FAILED = Counter(
    "handoff_messages_failed",
    "Outbox messages given up on (a permanent Slack error, or 24 hours of retries), by kind",
    ["kind"],
    registry=REGISTRY,
)
PINGS = Counter(
    "handoff_pings_sent",
    "Ladder pings delivered, by step (reminder, escalation, summary: folded reminders; "
    "reassign: a lead left untouched moved on to another rep)",
    ["step"],
    registry=REGISTRY,
)
SLACK_CALLS = Counter(
    "handoff_slack_api_calls",
    "Slack Web API calls, by method and result (ok, ratelimited, server_error, slack_error, "
    "network_error)",
    ["method", "result"],
    registry=REGISTRY,
)
SLACK_LATENCY = Histogram(
    "handoff_slack_api_call_seconds",
    "Time a Slack Web API call took, by method",
    ["method"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
    registry=REGISTRY,
)
LEAD_TO_ALERT = Histogram(
    "handoff_lead_to_alert_seconds",
    "Time from a lead accepted to its alert sent in Slack",
    buckets=(0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600),
    registry=REGISTRY,
)
SWEEP = Histogram(
    "handoff_sweep_seconds",
    "Duration of one ladder sweep (reminders and escalations due)",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
    registry=REGISTRY,
)

_sources: set[str] = set()
_sources_lock = threading.Lock()


def source_label(source: str | None) -> str:
    """A lead's `source` as a bounded label value."""
    if not source or not source.strip():
        return NO_SOURCE
    label = re.sub(r"\s+", " ", source.strip().lower())[:40]
    with _sources_lock:
        if label in _sources:
            return label
        if len(_sources) >= MAX_SOURCES:
            return "other"
        _sources.add(label)
    return label


def count_leads(sources: Iterable[str | None], result: str) -> None:
    for source, count in Tally(sources).items():
        LEADS.labels(source_label(source), result).inc(count)


def count_intake(leads: Sequence[LeadInput], result: IntakeResult) -> None:
    """One stored batch: each lead counted as accepted (new), updated or duplicate (a batch
    mostly shares one source: each label is worked out, and counted, once)."""
    outcome = dict.fromkeys(result.new_cold_ids, "accepted")
    outcome.update(
        (change.lead.external_id, "accepted" if change.created else "updated")
        for change in result.changes
    )
    counts = Tally((lead.source, outcome.get(lead.external_id, "duplicate")) for lead in leads)
    for (source, kind), count in counts.items():
        LEADS.labels(source_label(source), kind).inc(count)


# -- the outbox -------------------------------------------------------------------------------

_KINDS = {
    "alert": "alert",
    "claim": "claim",
    "reminder": "reminder",
    "escalation": "escalation",
    "nudge": "nudge",
    "lead-summary": "summary",
    "digest": "digest",
    "digest-nudge": "nudge",
    "feedback": "feedback",
    "campaign": "campaign",
    "erase": "erasure",
}
_PING_STEPS = {"reminder": "reminder", "escalation": "escalation", "summary": "summary"}


def kind_of(key: str | None, target_key: str | None = None) -> str:
    """A message's kind from its outbox key (`bot.keys`), or its target's for an update."""
    key = key or target_key
    if not key:
        return "other"
    parts = key.split(":")
    if parts[0] == "lead" and len(parts) > 2:
        return _KINDS.get(parts[2], "other")
    return _KINDS.get(parts[0], "other")


def message_sent(row: OutboxMessage) -> None:
    """The outbox delivered `row` (called once per row, by the process that sent it)."""
    kind = kind_of(row.key, row.target_key if row.method == "chat.update" else None)
    MESSAGES_SENT.labels(kind, row.method).inc()
    if row.method != "chat.postMessage" or row.target_key:
        return
    if kind in _PING_STEPS and row.key:
        PINGS.labels(_PING_STEPS[kind]).inc()
    if kind == "alert" and row.key:
        # The alert is enqueued in the lead's own intake transaction: its row's age is the
        # time from the lead accepted to the alert in Slack.
        LEAD_TO_ALERT.observe(max(0.0, (utcnow() - row.created_at).total_seconds()))


def message_failed(row: OutboxMessage) -> None:
    MESSAGES_FAILED.labels(kind_of(row.key, row.target_key)).inc()


# -- Slack Web API calls ----------------------------------------------------------------------


class MeteredWebClient(WebClient):
    """slack_sdk's `WebClient`, with each call counted and timed (method and result only)."""

    def api_call(
        self,
        api_method: str,
        *,
        http_verb: str = "POST",
        files: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
        headers: dict[str, Any] | None = None,
        auth: dict[str, Any] | None = None,
    ) -> SlackResponse:
        started = time.perf_counter()
        result = "ok"
        try:
            return super().api_call(
                api_method,
                http_verb=http_verb,
                files=files,
                data=data,
                params=params,
                json=json,
                headers=headers,
                auth=auth,
            )
        except SlackApiError as exc:
            status = exc.response.status_code
            if status == 429:
                result = "ratelimited"
            elif status >= 500:
                result = "server_error"
            else:
                result = "slack_error"
            raise
        except Exception:
            result = "network_error"
            raise
        finally:
            method = api_method if re.fullmatch(r"[a-zA-Z.]{1,64}", api_method) else "other"
            SLACK_CALLS.labels(method, result).inc()
            SLACK_LATENCY.labels(method).observe(time.perf_counter() - started)


# -- what the database says, at each scrape ---------------------------------------------------


def database_figures(db: Database) -> list[Metric]:
    now = utcnow()
    with db.read_session() as session:
        by_status = dict(
            session.execute(
                select(OutboxMessage.status, func.count())
                .where(OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.FAILED)))
                .group_by(OutboxMessage.status)
            ).all()
        )
        oldest = session.scalar(
            select(func.min(OutboxMessage.created_at)).where(
                OutboxMessage.status == OutboxStatus.PENDING
            )
        )
        last_leads = session.execute(
            select(Lead.source, func.max(Lead.received_at))
            .group_by(Lead.source)
            .order_by(func.max(Lead.received_at).desc())
            .limit(MAX_SOURCES)
        ).all()
    pending = GaugeMetricFamily(
        "handoff_outbox_pending", "Outbox messages waiting to be sent to Slack"
    )
    pending.add_metric([], by_status.get(OutboxStatus.PENDING, 0))
    failed = GaugeMetricFamily(
        "handoff_outbox_failed",
        "Outbox messages given up on, still in the database (until RETENTION removes them)",
    )
    failed.add_metric([], by_status.get(OutboxStatus.FAILED, 0))
    age = GaugeMetricFamily(
        "handoff_outbox_oldest_pending_seconds",
        "Age of the oldest message waiting to be sent (0 when none waits)",
    )
    age.add_metric([], max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
    last = GaugeMetricFamily(
        "handoff_lead_last_received_timestamp_seconds",
        "When the newest lead from each source arrived (Unix time)",
        labels=["source"],
    )
    seen: dict[str, float] = {}
    for source, received in last_leads:
        label = source_label(source)
        seen[label] = max(seen.get(label, 0.0), received.timestamp())
    for label, stamp in seen.items():
        last.add_metric([label], stamp)
    return [pending, failed, age, last]


class DatabaseCollector(Collector):
    """The database gauges, read on `pool` within SCRAPE_DEADLINE (one read at a time; a slow
    database leaves them out of that scrape, and `handoff_database_up` says 0)."""

    def __init__(self, db: Database, pool: ThreadPoolExecutor) -> None:
        self.db = db
        self.pool = pool
        self._lock = threading.Lock()
        self._pending: Future[list[Metric]] | None = None

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            if self._pending is None or self._pending.done():
                self._pending = self.pool.submit(database_figures, self.db)
            pending = self._pending
        up = GaugeMetricFamily(
            "handoff_database_up", "1 when the database answered this scrape in time"
        )
        try:
            figures = pending.result(timeout=SCRAPE_DEADLINE)
        except (WaitTimeout, Exception):
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from figures
