"""`spend:` in the configuration: what our social media costs, per week or per month."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from monitor.config_types import Strict
from monitor.kinds.csv import check_currency

WEEKS_PER_MONTH = 52 / 12  # a monthly spend is spread evenly: × 12 months ÷ 52 weeks


class Spend(Strict):
    amount: float = Field(gt=0, description="What we spend on social media (people, tools, ads).")
    per: Literal["week", "month"] = Field(description="Whether it is a week's or a month's.")
    currency: str = Field(description="Its currency, like EUR.")

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return check_currency(value) or value

    @property
    def per_week(self) -> float:
        """The week's share: a month's amount × 12 ÷ 52."""
        return self.amount if self.per == "week" else self.amount / WEEKS_PER_MONTH
