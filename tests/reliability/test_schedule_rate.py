"""The job's collection rate: jitter spreads the runs of a source, it never slows them down."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

from monitor.scheduler import SpreadIntervalTrigger

START = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)


def fire_times(interval_s: float, jitter_s: float, count: int) -> list[datetime]:
    trigger = SpreadIntervalTrigger(
        seconds=interval_s, jitter=jitter_s, start_date=START, timezone=UTC
    )
    times, previous = [], None
    for _ in range(count):
        previous = trigger.get_next_fire_time(previous, START)
        times.append(previous)
    return times


def test_a_jittered_hourly_source_is_collected_24_times_a_day_on_average() -> None:
    random.seed(47)
    times = fire_times(3600, 360, 24 * 30 + 1)  # a month, jitter 0.1 (the default)
    assert abs((times[-1] - times[0]) - timedelta(days=30)) < timedelta(minutes=12)


def test_each_run_stays_within_its_jitter_of_the_grid() -> None:
    random.seed(1949)
    times = fire_times(10, 5, 500)  # the largest jitter the configuration allows (0.5)
    for number, moment in enumerate(times):
        assert abs((moment - (START + timedelta(seconds=10 * number))).total_seconds()) <= 5
    assert all(b >= a for a, b in itertools.pairwise(times)), "runs never go back in time"
