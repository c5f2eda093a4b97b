"""Dates as web pages write them: ISO 8601, RFC 2822, "3 days ago", "3 giorni fa",
"23/12/2013" (day first when configured), "Dec 23, 2013", "23 dicembre 2013", Unix time.

Pure: `now` is given, never read. A date that cannot be read with confidence is None,
because a guessed date would put a post in the wrong week.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from dateutil import parser as dateparser

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "mo": 2592000, "y": 31536000}
_EN_UNITS = (
    ("mo", r"months?|mos?"), ("s", r"seconds?|secs?|s"), ("m", r"minutes?|mins?|m"),
    ("h", r"hours?|hrs?|h"), ("d", r"days?|d"), ("w", r"weeks?|wks?|w"), ("y", r"years?|yrs?|y"),
)  # fmt: skip
_IT_UNITS = (
    ("s", r"second[oi]"), ("m", r"minut[oi]"), ("h", r"or[ae]"), ("d", r"giorn[oi]"),
    ("w", r"settiman[ae]"), ("mo", r"mes[ei]"), ("y", r"ann[oi]"),
)  # fmt: skip
_RELATIVE = [
    (unit, re.compile(rf"\b(\d+|an?|one)\s*(?:{words})\s+ago\b", re.I)) for unit, words in _EN_UNITS
] + [
    (unit, re.compile(rf"\b(\d+|una?|uno)\s+(?:{words})\s+fa\b", re.I)) for unit, words in _IT_UNITS
]
_DAYS_BACK = {"yesterday": 1, "ieri": 1, "today": 0, "oggi": 0, "just now": 0, "poco fa": 0}
_NUMERIC = re.compile(
    r"\b(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})\b(?:[\sT,]+(\d{1,2})[:.](\d{2})(?::(\d{2}))?)?"
)
_IT_MONTHS = {
    "gennaio": "january", "febbraio": "february", "marzo": "march", "aprile": "april",
    "maggio": "may", "giugno": "june", "luglio": "july", "agosto": "august",
    "settembre": "september", "ottobre": "october", "novembre": "november", "dicembre": "december",
    "gen": "jan", "mag": "may", "giu": "jun", "lug": "jul", "ago": "aug", "set": "sep",
    "ott": "oct", "dic": "dec",
}  # fmt: skip
_IT_MONTH = re.compile(
    rf"(?<=\d\s)({'|'.join(_IT_MONTHS)})\b\.?|\b({'|'.join(_IT_MONTHS)})\b(?=\.?\s+\d)", re.I
)
_MONTH_NAME = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b", re.I)


def parse_date(text: str | None, *, now: datetime, day_first: bool = False) -> datetime | None:
    """A post's date as pages write it, in UTC; None when it cannot be read with confidence."""
    if not text or not text.strip():
        return None
    text = " ".join(text.split())[:200]
    found = _relative(text, now) or _absolute(text, now, day_first)
    if found is None:
        return None
    found = found.replace(tzinfo=UTC) if found.tzinfo is None else found.astimezone(UTC)
    # A date in the future or before the web is a misreading, not a post.
    return found if datetime(1990, 1, 1, tzinfo=UTC) <= found <= now + timedelta(days=2) else None


def is_relative(text: str | None) -> bool:
    """Whether a date is written relative to the reading ("3 days ago", "ieri"), so that it
    gives another time at every fetch: such a date cannot identify a post."""
    return bool(text and text.strip()) and _time_ago(" ".join(text.split())[:200]) is not None


def _relative(text: str, now: datetime) -> datetime | None:
    ago = _time_ago(text)
    return None if ago is None else now - ago


def _time_ago(text: str) -> timedelta | None:
    lowered = text.lower()
    for words, days in _DAYS_BACK.items():
        if re.search(rf"\b{words}\b", lowered):
            return timedelta(days=days)
    for unit, pattern in _RELATIVE:
        if match := pattern.search(text):
            amount = int(match.group(1)) if match.group(1).isdigit() else 1
            return timedelta(seconds=amount * _UNIT_SECONDS[unit])
    return None


def _absolute(text: str, now: datetime, day_first: bool) -> datetime | None:
    if re.fullmatch(r"\d{10}(\d{3})?", text):  # a Unix timestamp, seconds or milliseconds
        return datetime.fromtimestamp(int(text[:10]), tz=UTC)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass  # not ISO 8601: the other spellings follow
    if re.match(r"^([A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d", text):
        try:
            return parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            pass  # RFC 2822 look-alike that is not; dateutil below may still read it
    if match := _NUMERIC.search(text):
        return _numeric(match, day_first)
    english = _IT_MONTH.sub(lambda m: _IT_MONTHS[(m.group(1) or m.group(2)).lower()], text)
    if _MONTH_NAME.search(english) and re.search(r"\d", english):
        return _with_month_name(english, now, day_first)
    return None


def _numeric(match: re.Match[str], day_first: bool) -> datetime | None:
    first, second, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
    year += 2000 if year < 100 else 0
    if first > 12 or (day_first and second <= 12):
        day, month = first, second
    else:
        month, day = first, second
    hour, minute, second_ = (int(g or 0) for g in match.group(4, 5, 6))
    try:
        return datetime(year, month, day, hour, minute, second_)
    except ValueError:
        return None


def _with_month_name(text: str, now: datetime, day_first: bool) -> datetime | None:
    default = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    try:
        found = dateparser.parse(text, fuzzy=True, dayfirst=day_first, default=default)
    except (ValueError, OverflowError):
        return None
    if not re.search(r"\b\d{4}\b", text) and found.replace(tzinfo=None) > default + timedelta(2):
        found = found.replace(year=found.year - 1)  # "Dec 23" read in January: last December
    return found
