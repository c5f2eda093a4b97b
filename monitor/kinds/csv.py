"""csv: our own weekly results from a CSV file or a published CSV address (a spreadsheet)."""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from pydantic import Field, field_validator

from monitor.kinds import Kind, SourceBase

CURRENCY = re.compile(r"[A-Z]{3}")


def check_currency(value: str | None) -> str | None:
    """An ISO 4217 code like EUR or USD."""
    if value is None:
        return None
    value = value.strip().upper()
    if not CURRENCY.fullmatch(value):
        raise ValueError("not a currency code like EUR or USD")
    return value


class CsvSource(SourceBase):
    kind: Literal["csv"] = "csv"
    TARGET_FIELD: ClassVar = "location"
    location: str = Field(
        description="A CSV file (its path, relative to this file) or a published CSV's address.",
        min_length=1,
    )
    currency: str | None = Field(
        None, description="The currency of the revenue and spend columns, like EUR."
    )

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str | None) -> str | None:
        return check_currency(value)

    @property
    def is_url(self) -> bool:
        return self.location.startswith(("http://", "https://"))


KIND = Kind(
    name="csv",
    display_name="CSV file",
    model=CsvSource,
    default_base_url="",
    counters=False,
    outcomes=True,
    limits_note=(
        "one row a week: week (2026-W47 or a date in it), then any of visits_from_social, "
        "signups, orders, revenue, spend"
    ),
)
