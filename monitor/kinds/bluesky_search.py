"""bluesky_search: Bluesky posts naming a company, through searchPosts (your own login)."""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from pydantic import Field, field_validator

from monitor.config_types import EnvName
from monitor.kinds import Kind, SourceBase


class BlueskySearchSource(SourceBase):
    kind: Literal["bluesky_search"] = "bluesky_search"
    TARGET_FIELD: ClassVar = "handle"
    handle: str = Field(description="Your own Bluesky handle, to log in with (ourco.bsky.social).")
    app_password_env: EnvName = Field(
        description="Environment variable holding an app password of that account."
    )

    @field_validator("handle")
    @classmethod
    def _handle_shape(cls, value: str) -> str:
        value = value.removeprefix("@").lower()
        if re.fullmatch(r"([a-z0-9-]+\.)+[a-z]{2,}", value):
            return value
        raise ValueError("not a Bluesky handle like ourco.bsky.social")


KIND = Kind(
    name="bluesky_search",
    display_name="Bluesky",
    model=BlueskySearchSource,
    default_base_url="https://bsky.social",
    counters=True,
    mentions=True,
    needs={"app_password_env": "an app password of your own Bluesky account"},
    limits_note=(
        "Bluesky's search needs a login since 2025 (an app password, Settings > App "
        "passwords); at most 100 posts a page, 3,000 requests every 5 minutes"
    ),
)
