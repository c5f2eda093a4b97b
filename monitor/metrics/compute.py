"""compute_week: the whole week's metrics from the store's rows; load_and_compute reads them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.metrics.model import MetricsSettings, WeekMetrics
from monitor.metrics.weeks import IsoWeek
from monitor.store import Rows

BREAKOUT_HISTORY = timedelta(days=90)  # a post is compared with its account's previous 90 days


def window_for(week: IsoWeek, settings: MetricsSettings) -> tuple[datetime, datetime]:
    """The UTC range to read: the trend weeks, last week (for changes) and the breakout history."""
    first = week.minus(max(settings.weeks_of_trend - 1, 1)).start(settings.timezone)
    start = min(first, week.start(settings.timezone) - BREAKOUT_HISTORY)
    return start.astimezone(UTC), week.end(settings.timezone).astimezone(UTC)


def compute_week(
    posts: Rows,
    accounts: Rows,
    sources: Rows,
    events: Rows,
    week: IsoWeek,
    settings: MetricsSettings,
) -> WeekMetrics:
    raise NotImplementedError


def load_and_compute(store, week: IsoWeek, settings: MetricsSettings) -> WeekMetrics:
    """Read the week's window from the store (its read_* methods only) and compute."""
    since, until = window_for(week, settings)
    return compute_week(
        store.read_posts(since, until),
        store.read_account_counts(since, until),
        store.read_sources(),
        store.read_source_events(since, until),
        week,
        settings,
    )
