"""Parsing of the human units the configuration uses: durations, sizes, schedules."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)", re.IGNORECASE)
_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KIB|MIB|GIB)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {
    "B": 1,
    "KB": 1000,
    "MB": 1000**2,
    "GB": 1000**3,
    "KIB": 1024,
    "MIB": 1024**2,
    "GIB": 1024**3,
}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SIMPLE_SCHEDULE = re.compile(r"^\s*([^\W\d_]+)\s+(\d{1,2}):(\d{2})\s*$")
# The spellings of each day a schedule may use: "mon", "monday", "tues", …; nothing else,
# so that "monkey 08:00" is refused rather than read as Monday.
_DAY_SPELLINGS = {
    "mon": ("monday",),
    "tue": ("tues", "tuesday"),
    "wed": ("wednesday",),
    "thu": ("thur", "thurs", "thursday"),
    "fri": ("friday",),
    "sat": ("saturday",),
    "sun": ("sunday",),
}
_DAYS = {spelling: day for day, more in _DAY_SPELLINGS.items() for spelling in (day, *more)}
# The longest duration a setting may have; past it, dates computed from it overflow.
MAX_DURATION = timedelta(days=3650)


def parse_duration(value: object) -> timedelta:
    """`90s`, `1h`, `1h30m`, `14d`, `2w`, or a number of seconds."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and value.strip():
        text = value.strip().replace(" ", "")
        parts = _DURATION.findall(text)
        if not parts or "".join(n + u for n, u in parts).lower() != text.lower():
            raise ValueError("not a duration like 90s, 30m, 1h or 14d")
        seconds = sum(float(n) * _DURATION_UNITS[u.lower()] for n, u in parts)
    else:
        raise ValueError("not a duration like 90s, 30m, 1h or 14d")
    if seconds <= 0:
        raise ValueError("must be longer than zero")
    if not seconds <= MAX_DURATION.total_seconds():  # also NaN, and what timedelta cannot hold
        raise ValueError(f"is too long: at most {MAX_DURATION.days}d (ten years)")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The shortest exact spelling: 3600 s -> '1h'."""
    seconds = value.total_seconds()
    for unit in ("w", "d", "h", "m", "s"):
        size = _DURATION_UNITS[unit]
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def parse_size(value: object) -> int:
    """`10MB`, `512KB`, `1GiB`, or a number of bytes."""
    if isinstance(value, int) and not isinstance(value, bool):
        size = value
    elif isinstance(value, str) and (match := _SIZE.match(value)):
        size = int(float(match.group(1)) * _SIZE_UNITS[(match.group(2) or "B").upper()])
    else:
        raise ValueError("not a size like 500KB or 10MB")
    if size <= 0:
        raise ValueError("must be larger than zero")
    return size


def parse_schedule(value: str) -> dict[str, str]:
    """`mon 08:00` or a 5-field cron expression -> APScheduler CronTrigger fields."""
    if match := _SIMPLE_SCHEDULE.match(value):
        day = _DAYS.get(match.group(1).lower())
        if day is None:
            raise ValueError(
                f"{match.group(1)!r} is not a day of the week (mon, tue, wed, thu, fri, sat, sun)"
            )
        hour, minute = int(match.group(2)), int(match.group(3))
        if hour > 23 or minute > 59:
            raise ValueError("the time must be between 00:00 and 23:59")
        return {"day_of_week": day, "hour": str(hour), "minute": str(minute)}
    fields = value.split()
    if len(fields) != 5:
        raise ValueError("not a schedule like 'mon 08:00' or a 5-field cron expression")
    from apscheduler.triggers.cron import CronTrigger

    minute, hour, day, month, day_of_week = fields
    day_of_week = _cron_weekdays_to_names(day_of_week)
    try:
        trigger = CronTrigger(
            minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week, timezone=UTC
        )
    except ValueError as error:
        raise ValueError(f"not a valid cron expression ({error})") from None
    # 30 February, 31 April: valid fields, a date that never comes (any date fires within
    # eight years: 29 February on a given weekday does).
    if trigger.get_next_fire_time(None, _SOME_DAY) is None:
        raise ValueError("this schedule never fires (a day that does not exist in that month?)")
    return {
        "minute": minute,
        "hour": hour,
        "day": day,
        "month": month,
        "day_of_week": day_of_week,
    }


_SOME_DAY = datetime(2024, 1, 1, tzinfo=UTC)
_CRON_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CRON_DAY_PART = re.compile(r"^(\*|[0-7])(?:-([0-7]))?(?:/(\d+))?$")


def _cron_weekdays_to_names(field: str) -> str:
    """Standard cron counts Sunday as 0 (and 7); APScheduler counts Monday as 0, so numbers,
    ranges and steps (`*/2`: Sunday, Tuesday, Thursday, Saturday) become lists of names,
    which both read the same way. Names and anything else pass through, to be checked."""
    parts = []
    for part in field.split(","):
        match = _CRON_DAY_PART.match(part)
        if match is None or part == "*":
            parts.append(part)
            continue
        first, last, step = match.groups()
        if step is not None and int(step) == 0:
            parts.append(part)  # left for APScheduler to refuse
            continue
        if first == "*":
            days = range(0, 7)
        else:
            end = int(last) if last else (6 if step else int(first))
            days = range(int(first), end + 1)
        chosen = days[:: int(step)] if step else days
        if not chosen:
            parts.append(part)  # a backwards range: left for APScheduler to refuse
            continue
        parts.extend(dict.fromkeys(_CRON_DAY_NAMES[d] for d in chosen))
    return ",".join(dict.fromkeys(parts))
