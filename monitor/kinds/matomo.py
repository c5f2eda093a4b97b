"""matomo: our own visits from social networks and goal conversions, from Matomo's
Reporting API (Referrers.getSocials and Goals.get)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from monitor.config_types import EnvName, HttpUrl
from monitor.kinds import Kind, SourceBase


class MatomoSource(SourceBase):
    kind: Literal["matomo"] = "matomo"
    TARGET_FIELD: ClassVar = "site_id"
    url: HttpUrl = Field(description="Your Matomo's address (https://matomo.ourco.example).")
    site_id: int = Field(ge=1, description="The site's id in Matomo (idSite).")
    token_env: EnvName = Field(description="Environment variable holding a Matomo auth token.")
    signups_goal: int | None = Field(None, ge=1, description="The goal id that counts a sign-up.")
    orders_goal: int | None = Field(
        None, ge=1, description="The goal id that counts an order (its revenue too)."
    )


KIND = Kind(
    name="matomo",
    display_name="Matomo",
    model=MatomoSource,
    default_base_url="",
    counters=False,
    outcomes=True,
    needs={"token_env": "a Matomo auth token (Personal > Security > Auth tokens)"},
    limits_note="visits from the social networks Matomo recognises; conversions of those visits",
)
