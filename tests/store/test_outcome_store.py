"""Our weekly results in the store: written once a week and source, corrected in place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.domain import Harvest, WeekOutcome
from monitor.store import Store

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


@pytest.fixture
def store(database_url: str):
    with Store(database_url) as opened:
        opened.sync_config(
            [
                ("Us", True, [("feed", "https://us.example/feed", None),
                              ("csv", "/data/outcomes.csv", None),
                              ("plausible", "us.example", None)]),
                ("Acme", False, [("feed", "https://acme.example/feed", None)]),
            ]
        )  # fmt: skip
        yield opened


def source(store: Store, kind: str) -> int:
    return next(r.id for r in store.sources() if r.kind == kind)


def save(store: Store, source_id: int, *weeks: WeekOutcome, at: datetime = NOW):
    harvest = Harvest(observed_at=at, outcomes=weeks)
    return store.save_harvest(
        source_id, harvest, track_engagement_for=timedelta(days=14), next_due_at=at
    )


def stored(store: Store) -> list[tuple]:
    rows = store.read_outcomes()
    wanted = ("source_kind", "week", "visits_from_social", "signups", "revenue", "currency")
    return [tuple(row[rows.columns.index(c)] for c in wanted) for row in rows.rows]


def test_reading_the_same_weeks_again_changes_nothing(store: Store) -> None:
    csv = source(store, "csv")
    weeks = (WeekOutcome("2026-W46", 1120, 14), WeekOutcome("2026-W47", 1840, 23, 9, 1234.5,
                                                            currency="EUR"))  # fmt: skip
    first = save(store, csv, *weeks)
    again = save(store, csv, *weeks, at=NOW + timedelta(hours=1))
    assert (first.new_posts, first.updated_counts) == (2, 0)
    assert (again.new_posts, again.updated_counts) == (0, 0)
    assert stored(store) == [("csv", "2026-W46", 1120, 14, None, None),
                             ("csv", "2026-W47", 1840, 23, 1234.5, "EUR")]  # fmt: skip


def test_a_corrected_week_is_updated_in_place_and_older_weeks_stay(store: Store) -> None:
    csv = source(store, "csv")
    save(store, csv, WeekOutcome("2026-W46", 1120, 14), WeekOutcome("2026-W47", 1840, 23))
    result = save(store, csv, WeekOutcome("2026-W47", 1910, 24), at=NOW + timedelta(days=1))
    assert (result.new_posts, result.updated_counts) == (0, 1)
    assert stored(store) == [("csv", "2026-W46", 1120, 14, None, None),
                             ("csv", "2026-W47", 1910, 24, None, None)]  # fmt: skip
    rows = store.read_outcomes()
    changed = rows.rows[-1][rows.columns.index("changed_at")]
    assert changed == NOW + timedelta(days=1)


def test_each_source_keeps_its_own_weeks_in_configuration_order(store: Store) -> None:
    save(store, source(store, "plausible"), WeekOutcome("2026-W47", 1800))
    save(store, source(store, "csv"), WeekOutcome("2026-W47", 1840, 23))
    assert [row[:3] for row in stored(store)] == [("csv", "2026-W47", 1840),
                                                  ("plausible", "2026-W47", 1800)]  # fmt: skip
