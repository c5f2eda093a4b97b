"""Counts as pages show them: "1.2K", "3,4 M", "12,5K", "1 234", "1,2 mila", "3 Mln".

Pure: no I/O. Used by the telegram collector and the html collector.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Suffix (lower case) -> multiplier. Italian "mila"/"mln"/"mld"/"milioni", German
# "Tsd."/"Mio."/"Mrd.", Spanish "mil", English words. Matched longest first, so "mila" is
# not read as "m" followed by "ila".
_SUFFIXES: dict[str, int] = {
    "thousand": 1_000,
    "mila": 1_000,
    "mil": 1_000,
    "tsd": 1_000,
    "k": 1_000,
    "million": 1_000_000,
    "milioni": 1_000_000,
    "milione": 1_000_000,
    "mln": 1_000_000,
    "mio": 1_000_000,
    "m": 1_000_000,
    "billion": 1_000_000_000,
    "miliardi": 1_000_000_000,
    "miliardo": 1_000_000_000,
    "mld": 1_000_000_000,
    "mrd": 1_000_000_000,
    "bn": 1_000_000_000,
    "b": 1_000_000_000,
}
# Spaces that pages put between groups of thousands: space, no-break, thin, narrow no-break.
_GROUP_SPACES = " \u00a0\u2009\u202f"
_SUFFIX_PATTERN = "|".join(sorted(_SUFFIXES, key=len, reverse=True))
_NUMBER = re.compile(
    rf"""
    (?<![\w.,])                                 # not the tail of a longer token
    (?P<number>\d+(?:[{_GROUP_SPACES}.,']\d+)*)  # digits, maybe grouped or with a decimal mark
    [{_GROUP_SPACES}]*
    (?:(?P<suffix>{_SUFFIX_PATTERN})\.?(?![^\W\d_]))?  # a suffix, not the start of a word
    """,
    re.IGNORECASE | re.VERBOSE,
)


def parse_count(text: str | None) -> int | None:
    """The first count in `text`, exactly; None when there is none.

    "1.2K" -> 1200, "12,5K" -> 12500, "1 234" -> 1234, "1.234" -> 1234 (dot as thousands),
    "1,2 mila" -> 1200, "3 Mln" -> 3000000. A separator followed by exactly three digits
    is a thousands separator; before a suffix the last separator is the decimal mark.
    """
    if not text:
        return None
    match = _NUMBER.search(text)
    if not match:
        return None
    suffix = (match.group("suffix") or "").lower()
    value = _number_value(match.group("number"), decimal_allowed=bool(suffix))
    if value is None:
        return None
    scaled = value * _SUFFIXES.get(suffix, 1)
    return int(scaled.to_integral_value(rounding=ROUND_HALF_UP))


def _number_value(number: str, *, decimal_allowed: bool) -> Decimal | None:
    """'1 234' -> 1234, '12,5' -> 12.5 (when a decimal is allowed), '1.234.567' -> 1234567."""
    parts = re.split(rf"[{_GROUP_SPACES}.,']", number)
    marks = re.findall(rf"[{_GROUP_SPACES}.,']", number)
    fraction = ""
    if _last_is_decimal(marks, decimal_allowed=decimal_allowed):
        if not decimal_allowed:
            return None  # "1.234,5" with no suffix: a count is never fractional
        fraction = parts.pop()
    if not all(len(group) == 3 for group in parts[1:]):
        return None  # "1.5" with no suffix, "12 34": not how anyone writes a count
    try:
        return Decimal("".join(parts) + ("." + fraction if fraction else ""))
    except InvalidOperation:
        return None


def _last_is_decimal(marks: list[str], *, decimal_allowed: bool) -> bool:
    """Whether the last separator is a decimal mark rather than a thousands separator."""
    if not marks or marks[-1] not in ".,":
        return False
    if marks[-1] in marks[:-1]:
        return False  # "1.234.567": a repeated mark groups thousands
    if len(marks) > 1:
        return True  # "1.234,5", "1 234,5": the last, different mark is the decimal one
    return decimal_allowed  # "1.2K" is 1200, but a bare "1.234" is 1234
