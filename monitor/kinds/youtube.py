"""youtube: a channel's Atom feed, with the Data API's counts when a key is given."""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from pydantic import Field, field_validator

from monitor.config_types import EnvName
from monitor.kinds import Kind, SourceBase


class YoutubeSource(SourceBase):
    kind: Literal["youtube"] = "youtube"
    TARGET_FIELD: ClassVar = "channel"
    channel: str = Field(description="A channel id (UC + 22 characters) or an @handle.")
    api_key_env: EnvName | None = Field(None, description="YouTube Data API v3 key, optional.")

    @field_validator("channel")
    @classmethod
    def _channel_shape(cls, value: str) -> str:
        if re.fullmatch(r"UC[A-Za-z0-9_-]{22}", value) or re.fullmatch(r"@[\w.\-]{3,30}", value):
            return value
        raise ValueError("not a YouTube channel id (UC followed by 22 characters) or an @handle")


KIND = Kind(
    name="youtube",
    display_name="YouTube",
    model=YoutubeSource,
    default_base_url="https://www.youtube.com",
    counters=True,
    limits_note="YouTube's channel feed holds only the newest 15 videos; older ones are not seen",
)
