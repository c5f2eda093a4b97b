"""What every collector's parsing shares: counts, text excerpts, JSON, times, HTTP problems.

Pure: no I/O. Each collector says which platform sent what, so the messages name it.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from bs4 import BeautifulSoup
from lxml import etree

from monitor.errors import SourceError
from monitor.http_errors import status_error

TEXT_LIMIT = 500  # characters of a post's text kept as its excerpt


# --- text and JSON -------------------------------------------------------------------


def clip(text: str, limit: int = TEXT_LIMIT) -> str:
    """The text cut to `limit` characters, with an ellipsis where it was cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def html_to_text(html: str, limit: int = TEXT_LIMIT) -> str:
    """HTML (Mastodon's `content`, an HN comment) as plain text: paragraphs and line breaks
    kept, as BeautifulSoup's get_text reads it (tests/collectors/test_html_to_text.py
    compares the two) at a tenth of its cost: lxml's tree, without bs4's objects for each
    node. What lxml refuses (control characters, a byte-order mark) is read by bs4 itself."""
    if _UNREADABLE(html) or ("<" not in html and "&" not in html):
        return _soup_text(html, limit)
    try:
        root = etree.fromstring(html, _HTML_PARSER)
    except (etree.ParserError, ValueError):
        root = None
    if root is None:
        return _soup_text(html, limit)
    for element in root.iter():
        around = any(parent.tag in _KEEPS_SPACES for parent in element.iterancestors())
        if isinstance(element.tag, str):  # not a comment's or an instruction's own text
            inside = around or element.tag in _KEEPS_SPACES
            element.text = None if element.tag in _NO_TEXT else _spaces(element.text, inside)
        element.tail = _spaces(element.tail, around)  # the tail is the parent's text
        if element.tag in _BREAKS:
            element.tail = _BREAKS[element.tag] + (element.tail or "")
    text = etree.tostring(root, method="text", encoding=str)
    return clip(re.sub(r"\n{3,}", "\n\n", text).strip(), limit)


_HTML_PARSER = etree.HTMLParser()
_UNREADABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufeff\ufffe\uffff]").search
_BREAKS = {"br": "\n", "p": "\n\n"}  # a line break, and a blank line after a paragraph
_NO_TEXT = {"script", "style"}
_KEEPS_SPACES = {"pre", "textarea"}
_ASCII_SPACES = str.maketrans("", "", " \n\t\x0c\r")


def _spaces(text: str | None, kept: bool) -> str | None:
    """bs4's rule: text of nothing but spaces is one newline (when it has one) or one space,
    except inside <pre> and <textarea>."""
    if text is None or kept or text.translate(_ASCII_SPACES):
        return text
    return "\n" if "\n" in text else " "


def _soup_text(html: str, limit: int) -> str:
    soup = BeautifulSoup(html, "lxml")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for paragraph in soup.find_all("p"):
        paragraph.insert_after("\n\n")
    return clip(re.sub(r"\n{3,}", "\n\n", soup.get_text()).strip(), limit)


def load_json(body: bytes, sender: str) -> Any:
    """The JSON document of a body; bad_content naming the sender when it is not JSON."""
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        raise SourceError(
            "bad_content", f"{sender} sent something that is not valid JSON"
        ) from None


def json_object(value: Any, what: str, sender: str) -> dict[str, Any]:
    """`value` when it is a JSON object; bad_content otherwise."""
    if not isinstance(value, dict):
        raise SourceError("bad_content", f"{sender} sent a {what} in an unknown shape")
    return value


def json_count(data: dict[str, Any], key: str) -> int | float | None:
    """A counter of a JSON object (see as_count)."""
    return as_count(data.get(key))


def as_count(value: object) -> int | float | None:
    """A number a page or an API gave as a counter; None when it is no count (text, < 0).

    A number the store cannot hold (1e30, 2**64, Infinity, NaN) is passed on as it is:
    monitor.storable turns it into an unknown counter with a warning on its post, in one
    place for every kind, instead of each parser dropping it silently or raising.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return value
        value = int(value)
    return value if value >= 0 else None


def json_text(value: Any) -> str | None:
    """A non-empty string, else None."""
    return value if isinstance(value, str) and value else None


# --- times ---------------------------------------------------------------------------


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


def required_time(value: Any, what: str, sender: str) -> datetime:
    """An ISO 8601 time that must be there; bad_content naming the sender otherwise."""
    if (parsed := iso_utc(value)) is None:
        raise SourceError(
            "bad_content", f"{sender} sent a {what} with an unreadable date ({value!r})"
        )
    return parsed


def epoch_utc(value: Any) -> datetime | None:
    """Seconds since 1970 (an int, as Algolia's created_at_i) as UTC, or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


# --- HTTP answers ----------------------------------------------------------------------


def status_problem(
    status: int, url: str, *, subject: str, where: str, said: str | None = None
) -> SourceError:
    """The SourceError of a refused request, in the platform's words where it gave any.

    `subject` is what was asked for ("Mastodon account @acme@mastodon.social"), `where` who
    answered ("the Mastodon server of @acme@mastodon.social"); `said` the server's own reason.
    """
    why = f" (the server said: {said})" if said else ""
    if status == 404:
        return SourceError("not_found", f"there is no {subject}{why} ({url})")
    if status == 410:
        return SourceError("gone", f"the {subject} was removed{why} ({url})")
    if status == 401:
        return SourceError(
            "login_required", f"{where} only shows this to logged-in users{why} ({url})"
        )
    if status == 429:
        return SourceError("rate_limited", f"{where} limits how often it may be read{why} ({url})")
    if 400 <= status < 500:
        return SourceError("blocked", f"{where} refuses to show it{why} ({url})")
    return status_error(status, url)


# --- counts as pages show them ----------------------------------------------------------

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
