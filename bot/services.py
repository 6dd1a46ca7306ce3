"""The running product's parts, wired once: settings, database, Slack client, outbox, scheduler.

`Handoff` is what handlers and the web layer receive; it holds no Bolt objects.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot import leads as lead_intake
from bot.alerts import lead_listener as alert_listener
from bot.config import Settings
from bot.db import Database
from bot.outbox import Dispatcher
from bot.people import SlackDirectory
from bot.scheduler import Scheduler, build_scheduler
from bot.slack_api import make_client

log = logging.getLogger(__name__)

LeadListener = Callable[[Session, lead_intake.LeadChange], None]


@dataclass
class Handoff:
    settings: Settings
    db: Database
    client: WebClient
    directory: SlackDirectory
    dispatcher: Dispatcher
    lead_listeners: list[LeadListener] = field(default_factory=list)
    scheduler: Scheduler = field(default_factory=Scheduler)

    @classmethod
    def build(cls, settings: Settings, *, db: Database | None = None) -> Handoff:
        db = db or Database(settings.database_url)
        client = make_client(settings)
        directory = SlackDirectory(
            db, client, ttl=settings.user_cache_ttl, default_tz=settings.default_timezone
        )
        dispatcher = Dispatcher(
            db, client, channel_interval=settings.channel_post_interval, lease=settings.outbox_lease
        )
        scheduler = build_scheduler(settings, db, directory)
        handoff = cls(settings, db, client, directory, dispatcher, scheduler=scheduler)
        handoff.lead_listeners.append(alert_listener(settings, directory))
        return handoff

    def receive_leads(self, leads: list[lead_intake.LeadInput]) -> lead_intake.IntakeResult:
        """Store a validated batch and let listeners (alerts) react in the same transaction."""
        owners = {
            email: self.directory.slack_id_for_email(email)
            for email in lead_intake.owner_emails_to_resolve(leads)
        }
        with self.db.session() as session:
            result = lead_intake.save_leads(
                session, leads, hot_score=self.settings.hot_score, owner_for_email=owners.get
            )
            for change in result.changes:
                for listener in self.lead_listeners:
                    listener(session, change)
        return result

    def start(self) -> None:
        self.dispatcher.start()
        self.scheduler.start()

    def stop(self) -> None:
        self.scheduler.stop()
        self.dispatcher.stop()
        self.db.dispose()

    def health(self) -> dict[str, Any]:
        from bot.outbox import pending_count

        if not self.db.ping():
            return {"status": "unavailable", "database": "unreachable"}
        with self.db.session() as session:
            pending = pending_count(session)
        return {"status": "ok", "database": "ok", "outbox_pending": pending}
