from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.workhours import WorkingHours

NY = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
OFFICE = WorkingHours.parse("Mon-Fri 08:00-18:00")


def test_friday_evening_lead_is_due_monday_morning() -> None:
    friday = datetime(2026, 11, 20, 17, 55, tzinfo=NY)
    due = OFFICE.add(friday, timedelta(minutes=15), NY)
    assert due.astimezone(NY) == datetime(2026, 11, 23, 8, 10, tzinfo=NY)


def test_same_instant_in_two_zones_is_due_at_different_times() -> None:
    moment = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # 08:00 in New York, 18:30 in Kolkata
    assert OFFICE.add(moment, timedelta(minutes=15), NY) == moment + timedelta(minutes=15)
    kolkata_due = OFFICE.add(moment, timedelta(minutes=15), KOLKATA).astimezone(KOLKATA)
    assert kolkata_due == datetime(2026, 11, 24, 8, 15, tzinfo=KOLKATA)


def test_night_is_not_working_time() -> None:
    assert not OFFICE.is_working(datetime(2026, 11, 24, 3, 0, tzinfo=NY), NY)
    assert OFFICE.is_working(datetime(2026, 11, 24, 9, 0, tzinfo=NY), NY)
    assert not OFFICE.is_working(datetime(2026, 11, 22, 9, 0, tzinfo=NY), NY)  # Sunday


def test_always() -> None:
    always = WorkingHours.parse("always")
    moment = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    assert always.add(moment, timedelta(minutes=5), NY) == moment + timedelta(minutes=5)


def test_worked_between_skips_the_weekend() -> None:
    friday = datetime(2026, 11, 20, 17, 0, tzinfo=NY)
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=NY)
    assert OFFICE.worked_between(friday, monday, NY) == timedelta(hours=2)


def test_daylight_saving_change() -> None:
    # 2026-11-01: New York falls back at 02:00; the working day is still 08:00-18:00 local.
    saturday = datetime(2026, 10, 31, 17, 0, tzinfo=NY)
    due = OFFICE.add(saturday, timedelta(minutes=30), NY).astimezone(NY)
    assert due == datetime(2026, 11, 2, 8, 30, tzinfo=NY)


@pytest.mark.parametrize(
    ("spec", "days", "start", "end"),
    [
        ("Mon,Wed,Fri 09:00-17:30", {0, 2, 4}, time(9, 0), time(17, 30)),
        ("sat-sun 10:00-14:00", {5, 6}, time(10, 0), time(14, 0)),
        ("Mon-Sun 00:00-24:00", set(range(7)), time(0, 0), time.max),
    ],
)
def test_parse_variants(spec: str, days: set[int], start: time, end: time) -> None:
    hours = WorkingHours.parse(spec)
    assert (hours.days, hours.start, hours.end, hours.always) == (days, start, end, False)


def test_parsed_variants_mean_what_they_say() -> None:
    mwf = WorkingHours.parse("Mon,Wed,Fri 09:00-17:30")
    assert mwf.is_working(datetime(2026, 11, 25, 17, 29, tzinfo=NY), NY)  # Wednesday
    assert not mwf.is_working(datetime(2026, 11, 25, 17, 30, tzinfo=NY), NY)
    assert not mwf.is_working(datetime(2026, 11, 24, 12, 0, tzinfo=NY), NY)  # Tuesday
    weekend = WorkingHours.parse("sat-sun 10:00-14:00")
    assert weekend.is_working(datetime(2026, 11, 29, 10, 0, tzinfo=NY), NY)  # Sunday
    assert not weekend.is_working(datetime(2026, 11, 27, 12, 0, tzinfo=NY), NY)  # Friday
    every_day = WorkingHours.parse("Mon-Sun 00:00-24:00")
    assert every_day.is_working(datetime(2026, 11, 29, 23, 59, 59, tzinfo=NY), NY)
    assert every_day.is_working(datetime(2026, 11, 30, 0, 0, tzinfo=NY), NY)
