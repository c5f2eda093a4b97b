"""ISO weeks in the report's timezone: Monday 00:00 local to the next Monday 00:00 local."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

_WEEK = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class IsoWeek:
    year: int
    week: int

    def __post_init__(self) -> None:
        last = date(self.year, 12, 28).isocalendar().week  # 28 Dec is always in the last week
        if not 1 <= self.week <= last:
            raise ValueError(f"{self.year} has weeks 1 to {last}, not week {self.week}")

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """'2026-W47' (or '2026W47')."""
        match = _WEEK.match(text or "")
        if not match:
            raise ValueError(f"a week is written like 2026-W47 (got {text!r})")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def containing(cls, moment: datetime, tz: str) -> IsoWeek:
        if moment.tzinfo is None:
            raise ValueError("the moment must be timezone-aware")
        local = moment.astimezone(ZoneInfo(tz)).date().isocalendar()
        return cls(local.year, local.week)

    @classmethod
    def last_complete(cls, now: datetime, tz: str) -> IsoWeek:
        """The latest week that has ended by `now` (in the report's timezone)."""
        return cls.containing(now, tz).previous()

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    def __str__(self) -> str:
        return self.label

    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    def start(self, tz: str) -> datetime:
        """Monday 00:00 local, as an aware datetime in `tz`."""
        return _local_midnight(self.monday(), tz)

    def end(self, tz: str) -> datetime:
        """The next Monday 00:00 local (exclusive end)."""
        return _local_midnight(self.monday() + timedelta(days=7), tz)

    def previous(self) -> IsoWeek:
        return self.minus(1)

    def minus(self, n: int) -> IsoWeek:
        day = (self.monday() - timedelta(weeks=n)).isocalendar()
        return IsoWeek(day.year, day.week)


def _local_midnight(day: date, tz: str) -> datetime:
    # Through UTC and back: a midnight skipped by a DST jump lands on the first real instant.
    naive = datetime(day.year, day.month, day.day)
    return naive.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC).astimezone(ZoneInfo(tz))
