from datetime import timedelta

import pytest

from bot.config import ConfigError, load_settings, require
from bot.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("15m", 900),
        ("2h", 7200),
        ("1d", 86400),
        ("1.5h", 5400),
        ("15", 15),  # a plain number is seconds
        (" 2H ", 7200),
    ],
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "fifteen minutes", "15 minutes", "-5m", "5w", "m", "1.h"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_format_duration() -> None:
    assert format_duration(timedelta(seconds=45)) == "45s"
    assert format_duration(timedelta(minutes=12, seconds=3)) == "12m"
    assert format_duration(timedelta(hours=3, minutes=5)) == "3h 5m"
    assert format_duration(timedelta(days=2, hours=4)) == "2d 4h"


def test_defaults() -> None:
    settings = load_settings({})
    assert settings.database_url == "sqlite:///handoff.db"
    assert settings.port == 3000
    assert settings.hot_score == 80
    assert settings.hot_lead_sla == timedelta(minutes=15)
    assert settings.escalate_after == timedelta(hours=1)
    assert settings.sweep_interval == timedelta(seconds=30)
    assert not settings.socket_mode
    assert (settings.reassign_after, settings.max_reassigns) == (None, 2)


def test_reassign_after() -> None:
    settings = load_settings({"REASSIGN_AFTER": "90m", "MAX_REASSIGNS": "3"})
    assert (settings.reassign_after, settings.max_reassigns) == (timedelta(minutes=90), 3)
    assert load_settings({"REASSIGN_AFTER": "off"}).reassign_after is None
    # Not longer than ESCALATE_AFTER is allowed: the move then takes the escalation's place.
    assert load_settings({"REASSIGN_AFTER": "20m"}).reassign_after == timedelta(minutes=20)


@pytest.mark.parametrize(
    ("env", "variable", "words"),
    [
        ({"SLACK_BOT_TOKEN": "xoxp-user"}, "SLACK_BOT_TOKEN", "xoxb-"),
        ({"SLACK_APP_TOKEN": "xoxb-x"}, "SLACK_APP_TOKEN", "xapp-"),
        ({"PORT": "http"}, "PORT", "whole number"),
        ({"PORT": "70000"}, "PORT", "outside"),
        ({"HOT_SCORE": "101"}, "HOT_SCORE", "outside"),
        ({"SALES_CHANNEL": "#sales"}, "SALES_CHANNEL", "channel ID"),
        ({"HOT_LEAD_SLA": "soon"}, "HOT_LEAD_SLA", "duration"),
        ({"HOT_LEAD_SLA": "0s"}, "HOT_LEAD_SLA", "longer than zero"),
        ({"WORKING_HOURS": "weekdays"}, "WORKING_HOURS", "working hours"),
        ({"WORKING_HOURS": "Mon-Fri 18:00-08:00"}, "WORKING_HOURS", "start before"),
        ({"SLACK_API_URL": "localhost:9000"}, "SLACK_API_URL", "http"),
        ({"LEADS_WEBHOOK_SECRET": "short"}, "LEADS_WEBHOOK_SECRET", "too short"),
        ({"DIGEST_TIME": "25:00"}, "DIGEST_TIME", "time of day"),
        ({"DEFAULT_TIMEZONE": "Mars/Olympus"}, "DEFAULT_TIMEZONE", "time zone"),
        ({"DIGEST_ALL_CLEAR": "maybe"}, "DIGEST_ALL_CLEAR", "true or false"),
        ({"REASSIGN_AFTER": "later"}, "REASSIGN_AFTER", "like 90m, or off"),
        ({"REASSIGN_AFTER": "10m"}, "REASSIGN_AFTER", "longer than HOT_LEAD_SLA (15m)"),
        (
            {"REASSIGN_AFTER": "30m", "HOT_LEAD_SLA": "30m"},
            "REASSIGN_AFTER",
            "longer than HOT_LEAD_SLA (30m)",
        ),
        ({"MAX_REASSIGNS": "0"}, "MAX_REASSIGNS", "outside 1..100"),
    ],
)
def test_bad_settings_name_the_variable(env: dict, variable: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    assert caught.value.variable == variable
    assert str(caught.value).startswith(f"{variable}: ")
    assert words in str(caught.value)
    assert "\n" not in str(caught.value)


def test_api_url_gets_a_trailing_slash() -> None:
    assert load_settings({"SLACK_API_URL": "http://127.0.0.1:9/api"}).slack_api_url == (
        "http://127.0.0.1:9/api/"
    )


def test_require_names_the_missing_variable() -> None:
    with pytest.raises(ConfigError, match=r"^SALES_CHANNEL: is not set"):
        require(load_settings({}), "sales_channel")
