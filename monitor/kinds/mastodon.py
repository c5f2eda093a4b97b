"""mastodon: an account's public posts through the instance's REST API."""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from pydantic import Field, field_validator

from monitor.kinds import Kind, SourceBase


class MastodonSource(SourceBase):
    kind: Literal["mastodon"] = "mastodon"
    TARGET_FIELD: ClassVar = "handle"
    handle: str = Field(description="@user@instance")
    exclude_replies: bool = True

    @field_validator("handle")
    @classmethod
    def _handle_shape(cls, value: str) -> str:
        if re.fullmatch(r"@?[A-Za-z0-9_]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}(:\d+)?", value):
            return value if value.startswith("@") else "@" + value
        raise ValueError("not a Mastodon handle like @name@mastodon.social")


KIND = Kind(
    name="mastodon",
    display_name="Mastodon",
    model=MastodonSource,
    default_base_url="https://{instance}",  # filled in from the handle
    counters=True,
)
