"""Logging: Handoff's own format and level, and libraries kept from logging message content.

At DEBUG, slack_sdk logs every Web API request and response body (message text, lead data)
and its headers; slack_bolt logs request bodies (at INFO when a signature fails, at DEBUG
otherwise); SQLAlchemy logs every statement's parameters (lead rows) at INFO. A redacting
filter cannot know every shape of text they log, and a filter on a logger does not see its
children's records, so instead these loggers are capped at a level where they log no bodies,
whatever LOG_LEVEL says: slack_sdk at INFO (its INFO and above name the method and the error
only), slack_bolt and sqlalchemy at WARNING. Handoff's own code logs ids only.
"""

from __future__ import annotations

import json
import logging
import traceback
from datetime import UTC, datetime
from pathlib import Path

LIBRARY_FLOORS = {
    "slack_sdk": logging.INFO,
    "slack_bolt": logging.WARNING,
    "sqlalchemy": logging.WARNING,
}


def quiet_libraries() -> None:
    """Cap the libraries that log bodies (idempotent; never lowers a level set higher)."""
    root = logging.getLogger().getEffectiveLevel()
    for name, floor in LIBRARY_FLOORS.items():
        logger = logging.getLogger(name)
        logger.setLevel(max(floor, root, logger.level))


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object a line (LOG_FORMAT=json), for log shippers: `time` (UTC, ISO 8601),
    `level`, `logger`, `message`, `pid`, `thread`, and for an exception its type and where it
    was raised (`exception_summary`), not its text, which may hold a lead's row. The message
    is Handoff's own, which names ids (lead, outbox row, Slack user), never lead details."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
            "thread": record.threadName,
        }
        if record.exc_info and record.exc_info[1] is not None:
            line["exception"] = exception_summary(record.exc_info[1])
        return json.dumps(line, ensure_ascii=False)


def configure_logging(level: int | str, fmt: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
    quiet_libraries()


def exception_summary(exc: BaseException) -> str:
    """An exception's type and where it was raised, without its message: the message of a
    database error carries the statement's parameters (a lead's row), that of a parse error
    the text it could not parse."""
    name = type(exc).__name__
    orig = getattr(exc, "orig", None)  # SQLAlchemy's wrapped driver error
    if isinstance(orig, BaseException):
        name += f" ({type(orig).__module__}.{type(orig).__name__})"
    frames = traceback.extract_tb(exc.__traceback__)[-3:]
    where = " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames))
    return f"{name} at {where}" if where else name
