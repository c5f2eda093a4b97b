"""monitor.coverage: when a week is too thin, partial or future (pure decisions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from monitor.coverage import assess, refuse_unfinished
from monitor.errors import ConfigError
from monitor.metrics import IsoWeek, SourceHealth

WEEK = IsoWeek(2026, 47)
START = WEEK.start("UTC")
END = WEEK.end("UTC")


def source(company: str, reads: int, *, us: bool = False) -> SourceHealth:
    return SourceHealth(company, "feed", None, company.lower(), reads, {}, None, None, None,
                        reads == 0, reads > 0, is_self=us, reads=reads)  # fmt: skip


def week(*health: SourceHealth) -> SimpleNamespace:
    return SimpleNamespace(week=WEEK, start=START, end=END, health=list(health))


AFTER = END + timedelta(hours=8)


def test_half_of_the_sources_read_with_us_among_them_is_enough():
    coverage = assess(week(source("Us", 7, us=True), source("A", 0)), AFTER)
    assert not coverage.thin and coverage.sendable


def test_our_own_organisation_unread_makes_the_week_thin_whatever_else_was_read():
    coverage = assess(week(source("Us", 0, us=True), *(source(n, 7) for n in "ABCD")), AFTER)
    assert coverage.thin and coverage.reasons() == [
        "none of our own organisation's sources was read this week"
    ]


def test_under_half_of_the_sources_read_makes_the_week_thin():
    coverage = assess(week(source("Us", 1, us=True), source("A", 0), source("B", 0)), AFTER)
    assert coverage.thin
    assert coverage.reasons() == ["only 1 of 3 sources were read at least once"]


def test_a_week_not_over_or_not_begun_is_refused_unless_forced_and_never_if_future():
    healthy = week(source("Us", 3, us=True))
    partial = assess(healthy, START + timedelta(days=3))
    assert partial.partial and not partial.future and not partial.sendable
    with pytest.raises(ConfigError, match="not over yet"):
        refuse_unfinished(partial, force=False)
    refuse_unfinished(partial, force=True)
    future = assess(healthy, START - timedelta(days=1))
    with pytest.raises(ConfigError, match="has not begun"):
        refuse_unfinished(future, force=True)
    assert assess(healthy, datetime(2027, 1, 1, tzinfo=UTC)).sendable
