"""The parts of the app the digest needs. `bot.services.Handoff` has them; so does `Parts`,
for `bot.scheduler`, which is built before the Handoff that will hold it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.config import Settings
from bot.db import Database
from bot.people import SlackDirectory


class DigestApp(Protocol):
    @property
    def settings(self) -> Settings: ...
    @property
    def db(self) -> Database: ...
    @property
    def directory(self) -> SlackDirectory: ...


@dataclass(frozen=True)
class Parts:
    settings: Settings
    db: Database
    directory: SlackDirectory
