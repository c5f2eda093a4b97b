"""bluesky: an account's posts through the public AppView (no login)."""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from pydantic import Field, field_validator

from monitor.kinds import Kind, SourceBase


class BlueskySource(SourceBase):
    kind: Literal["bluesky"] = "bluesky"
    TARGET_FIELD: ClassVar = "handle"
    handle: str = Field(description="A handle like acme.bsky.social, or a did:plc:… identifier.")
    filter: Literal["posts_no_replies", "posts_with_replies", "posts_and_author_threads"] = (
        "posts_no_replies"
    )

    @field_validator("handle")
    @classmethod
    def _handle_shape(cls, value: str) -> str:
        value = value.removeprefix("@")
        if re.fullmatch(r"did:(plc|web):[A-Za-z0-9._:%-]+", value):
            return value
        if re.fullmatch(r"([A-Za-z0-9-]+\.)+[A-Za-z]{2,}", value):
            return value.lower()
        raise ValueError("not a Bluesky handle like acme.bsky.social or a did:plc: identifier")


KIND = Kind(
    name="bluesky",
    display_name="Bluesky",
    model=BlueskySource,
    default_base_url="https://public.api.bsky.app",
    counters=True,
)
