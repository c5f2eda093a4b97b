"""Translations and locale-aware formatting for the digest (gettext catalogs + Babel).

The catalogs are the .po files in `locales/<lang>/LC_MESSAGES/digest.po`, read at run time
(no compile step at install): `read_po` -> an in-memory .mo -> `babel.support.Translations`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_interval, format_time, get_day_names
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import Translations

from monitor.errors import MonitorError

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "digest"
# The Babel locale per digest language: British English writes "17–23 Nov" as the subject wants.
BABEL_LOCALES = {"en": "en_GB", "it": "it_IT"}
MINUS = "−"  # a real minus sign, so a negative change never reads as a hyphen


@cache
def translations(language: str) -> Translations:
    """The gettext translations of one language, from its .po file."""
    if language not in BABEL_LOCALES:
        known = ", ".join(BABEL_LOCALES)
        raise MonitorError(f"the digest has no '{language}' language (known: {known})")
    path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=BABEL_LOCALES[language], domain=DOMAIN)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


@dataclass(frozen=True)
class Formatter:
    """Numbers, percentages, changes, dates and words in one language."""

    language: str

    @property
    def locale(self) -> str:
        return BABEL_LOCALES[self.language]

    def _(self, message: str, **values: object) -> str:
        text = translations(self.language).gettext(message)
        return text % values if values else text

    def n_(self, singular: str, plural: str, count: int, **values: object) -> str:
        text = translations(self.language).ngettext(singular, plural, count)
        return text % {"num": self.integer(count), **values}

    # --- numbers -----------------------------------------------------------------

    def number(self, value: float | None, decimals: int = 0) -> str:
        """1,234.5 / 1.234,5; '–' for unknown (never 0)."""
        if value is None:
            return "–"
        pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
        return format_decimal(value, format=pattern, locale=self.locale).replace("-", MINUS)

    def integer(self, value: float | None) -> str:
        return self.number(value, 0)

    def compact(self, value: float | None) -> str:
        """Engagement-sized numbers: no decimals from 100 up, one below."""
        if value is None:
            return "–"
        return self.number(value, 0 if abs(value) >= 100 else 1)

    def ratio(self, value: float | None) -> str:
        """'5.4×' / '5,4×'; whole from 10 up ('20×'), two decimals below 1 ('0.55×'), so the
        factors of a gap, as shown, multiply back to its total."""
        if value is None:
            return "–"
        decimals = 0 if abs(value) >= 10 else (1 if abs(value) >= 1 else 2)
        return self.number(value, decimals) + "×"

    def rate(self, value: float | None) -> str:
        """Engagement per follower, in percent with always two decimals ('0.90%', '1.25%')."""
        if value is None:
            return "–"
        return format_decimal(value, format="#,##0.00", locale=self.locale) + "%"

    def percent(self, value: float | None, decimals: int = 1) -> str:
        """A percentage given as percent, always with its decimals (50 -> '50.0%' / '50,0%'),
        so the shares of one table read at one precision."""
        if value is None:
            return "–"
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        return format_decimal(value, format=pattern, locale=self.locale).replace("-", MINUS) + "%"

    def money(self, value: float | None, currency: str | None, decimals: int = 2) -> str:
        """'€0.25' / '0,25 €' (cents), '€1,200' / '1.200 €' (whole); a bare number when no
        currency is stated; '–' for unknown."""
        if value is None:
            return "–"
        if not currency:
            return self.number(value, decimals)
        pattern = Locale.parse(self.locale).currency_formats["standard"].pattern
        if decimals == 0:
            pattern = pattern.replace(".00", "")
        return format_currency(
            value, currency, format=pattern, locale=self.locale, currency_digits=False
        ).replace("-", MINUS)

    def signed(self, text: str, value: float) -> str:
        return ("+" if value > 0 else "") + text

    def change_pct(self, value: float | None) -> str:
        """'+38%', '−12%', '0%'; '–' when there is nothing to compare with."""
        if value is None:
            return "–"
        return self.signed(self.percent(value, 0 if abs(value) >= 10 else 1), value)

    def change_abs(self, value: float | None) -> str:
        if value is None:
            return "–"
        return self.signed(self.integer(value), value)

    def change_points(self, value: float | None) -> str:
        """A change of a share, in percentage points."""
        if value is None:
            return "–"
        return self.signed(self.number(value, 1), value) + " " + self._("pts")

    # --- dates -------------------------------------------------------------------

    def day_range(self, first: date, last: date) -> str:
        """'17–23 Nov' / '17–23 nov'; '24 Nov – 7 Dec' across months."""
        skeleton = "MMMd" if first.year == last.year else "yMMMd"
        text = format_interval(first, last, skeleton, locale=self.locale)
        return re.sub(r"\s*–\s*", "–", text) if first.month == last.month else text

    def day(self, moment: datetime) -> str:
        """A post's local date and time: 'Tue 18 Nov, 09:30'."""
        weekday = self.weekday_names()[moment.weekday()]
        day = format_date(moment, "d MMM", locale=self.locale)
        return f"{weekday} {day}, {format_time(moment, 'HH:mm', locale=self.locale)}"

    def weekday_names(self, width: str = "abbreviated") -> list[str]:
        """Monday first."""
        names = get_day_names(width, locale=self.locale)
        return [names[index] for index in range(7)]
