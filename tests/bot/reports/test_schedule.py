"""When the weekly report is due (SYNC_REPORT in DEFAULT_TIMEZONE, a day's catch-up), which
week it covers, where it goes, and ISO weeks as typed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.config import ConfigError, Settings, SyncSchedule, load_settings
from bot.reports.send import channels, due_week, last_slot
from bot.reports.weeks import BadWeek, IsoWeek

BERLIN = ZoneInfo("Europe/Berlin")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def monday_nine(settings: Settings, zone: str = "UTC") -> Settings:
    return replace(settings, sync_report=SyncSchedule(0, time(9)), default_timezone=zone)


@pytest.mark.parametrize(
    ("now", "week"),
    [
        (at(23, 8, 59), None),  # Monday 23 Nov, a minute early
        (at(23, 9, 0), "2026-W47"),  # on the dot: the week of 16-22 Nov
        (at(24, 8, 59), "2026-W47"),  # the catch-up: within a day
        (at(24, 9, 1), None),  # too late: skipped
        (at(29, 23, 0), None),  # Sunday: not due
    ],
)
def test_due_at_the_slot_and_for_a_day(settings: Settings, now: datetime, week: str | None) -> None:
    found = due_week(monday_nine(settings), now)
    assert (found.label if found else None) == week


def test_the_slot_is_read_in_default_timezone(settings: Settings) -> None:
    berlin = monday_nine(settings, "Europe/Berlin")
    assert due_week(berlin, at(23, 7, 59)) is None  # 08:59 in Berlin
    assert due_week(berlin, at(23, 8, 0)) == IsoWeek(2026, 47)
    slot = last_slot(SyncSchedule(0, time(9)), at(23, 8, 0), BERLIN)
    assert slot == datetime(2026, 11, 23, 9, tzinfo=BERLIN)


def test_a_friday_slot_reports_the_last_full_week(settings: Settings) -> None:
    friday = replace(settings, sync_report=SyncSchedule(4, time(16, 30)))
    assert due_week(friday, at(27, 16, 45)) == IsoWeek(2026, 47)


def test_off_is_never_due(settings: Settings) -> None:
    assert due_week(replace(settings, sync_report=None), at(23, 9)) is None


def test_channels(settings: Settings) -> None:
    assert channels(settings) == ["CSALES", "CMARKETING"]
    assert channels(replace(settings, sync_channel="CSYNC")) == ["CSYNC"]
    assert channels(replace(settings, marketing_channel="CSALES")) == ["CSALES"]
    assert channels(replace(settings, sales_channel=None, marketing_channel=None)) == []


def test_settings() -> None:
    assert load_settings({}).sync_report == SyncSchedule(0, time(9))
    assert load_settings({"SYNC_REPORT": "off"}).sync_report is None
    assert load_settings({"SYNC_REPORT": "Fri 16:30"}).sync_report == SyncSchedule(4, time(16, 30))
    assert str(SyncSchedule(4, time(16, 30))) == "Fri 16:30"
    for bad in ("Monday", "Mon 25:00", "Someday 09:00", "09:00"):
        with pytest.raises(ConfigError, match="SYNC_REPORT"):
            load_settings({"SYNC_REPORT": bad})
    with pytest.raises(ConfigError, match="SYNC_CHANNEL"):
        load_settings({"SYNC_CHANNEL": "#sync"})


@pytest.mark.parametrize(
    ("text", "week"),
    [
        ("2026-W47", IsoWeek(2026, 47)),
        ("2026W01", IsoWeek(2026, 1)),
        ("2020-w53", IsoWeek(2020, 53)),
    ],
)
def test_weeks(text: str, week: IsoWeek) -> None:
    assert IsoWeek.parse(text) == week


@pytest.mark.parametrize(
    ("text", "words"), [("2025-W53", "2025 has no week 53"), ("47", "like 2026-W47")]
)
def test_bad_weeks(text: str, words: str) -> None:
    with pytest.raises(BadWeek, match=words):
        IsoWeek.parse(text)


def test_a_week_in_a_zone() -> None:
    week = IsoWeek(2026, 47)
    assert (week.monday.isoformat(), week.sunday.isoformat()) == ("2026-11-16", "2026-11-22")
    period = week.period(BERLIN)
    assert period.start == datetime(2026, 11, 15, 23, tzinfo=UTC)
    assert IsoWeek.before(at(23, 0, 30), BERLIN) == IsoWeek(2026, 47)
