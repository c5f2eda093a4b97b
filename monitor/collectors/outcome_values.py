"""What every outcome source's parsing shares: weeks and figures as people write them.

Pure: no I/O. A week is an ISO week ("2026-W47") or any date in it ("2026-11-16",
"16/11/2026"); a figure is a number with Italian or English separators ("1.840", "1,840",
"1.234,50", "€ 1.234,50").
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

_WEEK = re.compile(r"(\d{4})-?W(\d{1,2})(?:-?[1-7])?", re.IGNORECASE)
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?")
_DAY_FIRST = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")
# What may stand around a figure: currency signs and codes, spaces of every width.
_SIGNS = r"[\s\u00a0\u202f€$£]*"
_CODES = r"(?:EUR|USD|GBP|CHF)?"
_AROUND = re.compile(rf"^{_SIGNS}{_CODES}\s*|\s*{_CODES}{_SIGNS}$")
_GROUPS = re.compile(r"\d{1,3}(?:([.,'\u00a0\u202f ])\d{3})?(?:\1\d{3})*")


def N_(message: str) -> str:
    """A message marked for translation, translated where it is said (csv.py), not here."""
    return message


# Why parse_figure() refused a cell, as the ValueError it raises: `value` and `column` are the
# caller's to fill in.
BELOW_ZERO = N_("%(value)s in %(column)s is below zero")
NOT_A_NUMBER = N_("%(value)s in %(column)s is not a number")
NOT_WHOLE = N_("%(value)s in %(column)s is not a whole number")


def week_label(value: str) -> str | None:
    """'2026-W47' for '2026-W47', '2026w47', '2026-11-16' or '16/11/2026'; None otherwise."""
    text = value.strip()
    if match := _WEEK.fullmatch(text):
        year, week = int(match[1]), int(match[2])
        try:
            date.fromisocalendar(year, week, 1)
        except ValueError:
            return None
        return f"{year}-W{week:02d}"
    day = _date(text)
    if day is None:
        return None
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _date(text: str) -> date | None:
    if match := _ISO_DATE.fullmatch(text):
        parts = (int(match[1]), int(match[2]), int(match[3]))
    elif match := _DAY_FIRST.fullmatch(text):
        parts = (int(match[3]), int(match[2]), int(match[1]))
    else:
        return None
    try:
        return date(*parts)
    except ValueError:
        return None


def week_start(label: str) -> datetime:
    """Monday 00:00 UTC of an ISO week label."""
    year, week = int(label[:4]), int(label[6:])
    return datetime.combine(date.fromisocalendar(year, week, 1), datetime.min.time(), UTC)


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def has_begun(label: str, now: datetime) -> bool:
    """Whether the week has begun at `now` (its Monday, in UTC; a zone's hours make no week)."""
    return week_start(label) - timedelta(hours=14) <= now


def parse_figure(text: str, *, whole: bool) -> float | int | None:
    """A figure as written: '1.840' and '1,840' are 1840 (a mark before exactly three digits
    groups thousands), '1.234,50' and '1,234.50' are 1234.5, '12,5' is 12.5.
    None for an empty cell; ValueError for anything else, or a fraction where `whole` (its
    message one of BELOW_ZERO, NOT_A_NUMBER and NOT_WHOLE)."""
    cleaned = _AROUND.sub("", text.strip())
    if not cleaned:
        return None
    if cleaned.startswith(("-", "−")):
        raise ValueError(BELOW_ZERO)
    integer, fraction = _split_decimal(cleaned)
    if not _GROUPS.fullmatch(integer) and not integer.isdigit():
        raise ValueError(NOT_A_NUMBER)
    digits = re.sub(r"\D", "", integer)
    try:
        value = Decimal(digits + ("." + fraction if fraction else ""))
    except InvalidOperation:
        raise ValueError(NOT_A_NUMBER) from None
    if whole:
        if value != value.to_integral_value():
            raise ValueError(NOT_WHOLE)
        return int(value)
    return float(value)


def _split_decimal(text: str) -> tuple[str, str]:
    """('1.234', '50') for '1.234,50'; ('1840', '') for '1840'; ('12', '5') for '12,5'."""
    marks = [c for c in text if c in ".,"]
    if not marks:
        return text, ""
    last = text.rfind(marks[-1])
    after = text[last + 1 :]
    single = len(marks) == 1 or marks[-1] not in marks[:-1]
    repeated = marks.count(marks[-1]) > 1
    if repeated or (len(marks) == 1 and len(after) == 3 and after.isdigit()):
        return text, ""  # '1.234.567', '1.840': thousands only
    if single and after.isdigit():
        return text[:last], after
    raise ValueError(NOT_A_NUMBER)
