"""ga4: our sessions from social and key events by week, from the Google Analytics 4 Data API
(`runReport`), signed in as a service account of our own (an optional extra: `[ga4]`)."""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from pydantic import Field, field_validator

from monitor.kinds import Kind, SourceBase


class Ga4Source(SourceBase):
    kind: Literal["ga4"] = "ga4"
    TARGET_FIELD: ClassVar = "property_id"
    property_id: str = Field(description="The GA4 property's number (Admin > Property details).")
    credentials_file: str = Field(
        description="A service account's JSON key file, relative to this file; the account "
        "needs Viewer access to the property.",
        min_length=1,
    )
    channel_group: str = Field(
        "Organic Social", description="The sessionDefaultChannelGroup counted as social."
    )
    signups_event: str | None = Field(None, description="The key event of a sign-up (sign_up).")
    orders_event: str | None = Field(None, description="The key event of an order (purchase).")

    @field_validator("property_id")
    @classmethod
    def _digits(cls, value: str) -> str:
        value = str(value).removeprefix("properties/")
        if not re.fullmatch(r"\d{4,20}", value):
            raise ValueError("not a GA4 property number like 123456789")
        return value


KIND = Kind(
    name="ga4",
    display_name="Google Analytics",
    model=Ga4Source,
    default_base_url="https://analyticsdata.googleapis.com",
    counters=False,
    outcomes=True,
    limits_note=(
        "needs pip install 'competitor-monitor[ga4]'; sessions whose default channel group is "
        "Organic Social, and key events among them; GA4's own weeks (Sunday to Saturday) are "
        "not asked for: ISO weeks (isoYearIsoWeek)"
    ),
)
