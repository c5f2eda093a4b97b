"""ISO 8601 times as platforms write them, read as aware UTC datetimes."""

from __future__ import annotations

import re
from datetime import UTC, datetime


def iso_utc(value: object) -> datetime | None:
    """An ISO 8601 time in UTC, or None when it cannot be read.

    A time without an offset is taken as UTC; fractions past microseconds (Bluesky writes
    nanoseconds) are cut, not refused.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = re.sub(r"(\.\d{6})\d+", r"\1", value.strip())
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
