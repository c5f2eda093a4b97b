"""ISO 8601 times from every platform read as aware UTC."""

from datetime import UTC, datetime

import pytest

from monitor.collectors.timestamps import iso_utc


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-17T09:30:00.000Z", datetime(2026, 11, 17, 9, 30, tzinfo=UTC)),
        ("2026-11-17T10:30:00+01:00", datetime(2026, 11, 17, 9, 30, tzinfo=UTC)),
        ("2026-11-17T09:30:00.123456789Z", datetime(2026, 11, 17, 9, 30, 0, 123456, tzinfo=UTC)),
        ("2026-11-17T09:30:00", datetime(2026, 11, 17, 9, 30, tzinfo=UTC)),
    ],
)
def test_platform_times_become_utc(text: str, expected: datetime) -> None:
    assert iso_utc(text) == expected


@pytest.mark.parametrize("value", [None, "", "yesterday", 1731836000, "2026-13-40T00:00:00Z"])
def test_unreadable_times_are_none(value: object) -> None:
    assert iso_utc(value) is None
