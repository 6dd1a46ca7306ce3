"""The App Home listener, called directly."""

from __future__ import annotations

from unittest.mock import Mock

import pytest

from bot.services import Handoff
from handlers.events.home import app_home_opened_callback


def test_opening_the_messages_tab_publishes_nothing() -> None:
    handoff = Mock()
    app_home_opened_callback(event={"user": "UREP1", "tab": "messages"}, handoff=handoff)
    handoff.db.session.assert_not_called()


def test_opening_home_publishes_the_users_home(
    handoff: Handoff, monkeypatch: pytest.MonkeyPatch
) -> None:
    published = Mock()
    monkeypatch.setattr("handlers.events.home.publish_home", published)
    app_home_opened_callback(event={"user": "UREP1", "tab": "home"}, handoff=handoff)
    assert published.call_args.args[1] == "UREP1"
