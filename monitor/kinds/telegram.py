"""telegram: a public channel's web preview, t.me/s/<channel>."""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from pydantic import Field, field_validator

from monitor.kinds import Kind, SourceBase


class TelegramSource(SourceBase):
    kind: Literal["telegram"] = "telegram"
    TARGET_FIELD: ClassVar = "channel"
    channel: str = Field(description="The public channel's name, as in t.me/<name>.")

    @field_validator("channel")
    @classmethod
    def _channel_shape(cls, value: str) -> str:
        value = re.sub(r"^(https?://)?t\.me/(s/)?", "", value).removeprefix("@")
        if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{3,31}", value):
            return value
        raise ValueError("not a public Telegram channel name (5 to 32 letters, digits or _)")


KIND = Kind(
    name="telegram",
    display_name="Telegram",
    model=TelegramSource,
    default_base_url="https://t.me",
    counters=True,
    limits_note="the public preview rounds views and subscribers (e.g. 12.3K)",
)
