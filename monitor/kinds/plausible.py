"""plausible: our own visits from social and goal conversions, from Plausible's Stats API v2."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from monitor.config_types import EnvName
from monitor.kinds import Kind, SourceBase


class PlausibleSource(SourceBase):
    kind: Literal["plausible"] = "plausible"
    TARGET_FIELD: ClassVar = "site_id"
    site_id: str = Field(description="The site's domain as added to Plausible (ourco.example).")
    api_key_env: EnvName = Field(description="Environment variable holding a Stats API key.")
    channels: list[str] = Field(
        default_factory=lambda: ["Organic Social"],
        min_length=1,
        description="Plausible's acquisition channels counted as social (visit:channel).",
    )
    signups_goal: str | None = Field(None, description="The goal that counts a sign-up.")
    orders_goal: str | None = Field(
        None, description="The goal that counts an order (a revenue goal gives revenue too)."
    )


KIND = Kind(
    name="plausible",
    display_name="Plausible",
    model=PlausibleSource,
    default_base_url="https://plausible.io",
    counters=False,
    outcomes=True,
    needs={"api_key_env": "a Plausible Stats API key"},
    limits_note="a Stats API key allows 600 requests an hour; weeks as Plausible counts them",
)
