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

import logging

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


def configure_logging(level: int | str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_libraries()
