from datetime import UTC, datetime, timedelta

import pytest

from monitor.metrics import IsoWeek, MetricsSettings, window_for


def test_week_label_round_trips():
    assert IsoWeek.parse("2026-W47") == IsoWeek(2026, 47)
    assert IsoWeek(2026, 7).label == "2026-W07"


@pytest.mark.parametrize("text", ["2026-47", "W47", "", "2026-W00", "2025-W53"])
def test_bad_week_is_refused_with_a_plain_message(text):
    with pytest.raises(ValueError, match="week"):
        IsoWeek.parse(text)


def test_week_runs_monday_midnight_to_monday_midnight_local():
    week = IsoWeek(2026, 47)
    assert week.start("Europe/Rome").isoformat() == "2026-11-16T00:00:00+01:00"
    assert week.end("Europe/Rome").isoformat() == "2026-11-23T00:00:00+01:00"


def test_half_past_midnight_monday_in_rome_is_the_new_week_though_sunday_in_utc():
    moment = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # Sunday in UTC, Monday 00:30 in Rome
    assert IsoWeek.containing(moment, "UTC") == IsoWeek(2026, 47)
    assert IsoWeek.containing(moment, "Europe/Rome") == IsoWeek(2026, 48)


def test_monday_early_utc_is_still_sunday_in_new_york():
    moment = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # Monday in UTC, Sunday 22:00 in New York
    assert IsoWeek.containing(moment, "UTC") == IsoWeek(2026, 48)
    assert IsoWeek.containing(moment, "America/New_York") == IsoWeek(2026, 47)


def _hours(week: IsoWeek, tz: str) -> timedelta:
    # Through UTC: Python subtracts two datetimes of the same zone on the wall clock.
    return week.end(tz).astimezone(UTC) - week.start(tz).astimezone(UTC)


def test_spring_dst_week_is_167_hours_and_autumn_169():
    spring, autumn = IsoWeek(2026, 13), IsoWeek(2026, 43)  # clocks change 29 Mar and 25 Oct
    assert _hours(spring, "Europe/Rome") == timedelta(hours=167)
    assert _hours(autumn, "Europe/Rome") == timedelta(hours=169)
    assert _hours(autumn, "UTC") == timedelta(hours=168)


def test_previous_and_minus_cross_the_year():
    assert IsoWeek(2027, 1).previous() == IsoWeek(2026, 53)
    assert IsoWeek(2026, 2).minus(3) == IsoWeek(2025, 51)


def test_last_complete_week_is_the_one_before_now_in_the_report_timezone():
    now = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Monday 08:00 in Rome
    assert IsoWeek.last_complete(now, "Europe/Rome") == IsoWeek(2026, 47)
    sunday_night = datetime(2026, 11, 22, 22, 0, tzinfo=UTC)  # still Sunday 23:00 in Rome
    assert IsoWeek.last_complete(sunday_night, "Europe/Rome") == IsoWeek(2026, 46)


def test_window_reaches_back_over_the_trend_and_the_breakout_history():
    settings = MetricsSettings(timezone="Europe/Rome", weeks_of_trend=12)
    since, until = window_for(IsoWeek(2026, 47), settings)
    assert until == datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
    assert since == datetime(2026, 11, 15, 23, 0, tzinfo=UTC) - timedelta(days=90)
    long_trend = MetricsSettings(timezone="UTC", weeks_of_trend=20)
    assert window_for(IsoWeek(2026, 47), long_trend)[0] == IsoWeek(2026, 28).start("UTC")
