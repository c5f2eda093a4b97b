"""The `chat:` section: chat channels reached through Apprise URLs held in the environment."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field, field_validator

from monitor.config_types import Duration, EnvName, HttpUrl, Strict

ChatUse = Literal["alerts", "weekly"]


class ChatChannel(Strict):
    name: str = Field(
        min_length=1, max_length=50, description="How logs and `monitor status` call it"
    )
    url_env: EnvName = Field(
        description="The environment variable holding its Apprise URL (slack://…, json://…)"
    )
    send: list[ChatUse] = Field(
        default_factory=lambda: ["alerts"],
        min_length=1,
        description="What it gets: alerts, the weekly verdict, or both",
    )

    @field_validator("send")
    @classmethod
    def _once_each(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class ChatSettings(Strict):
    channels: list[ChatChannel] = Field(min_length=1)
    archive_url: HttpUrl | None = Field(
        None,
        description="Where the outbox folder is published; the weekly message links the "
        "week's digest there",
    )
    max_attempts: int = Field(3, ge=1, le=10, description="Attempts per message and channel")
    timeout: Duration = Field(timedelta(seconds=10), description="Per attempt, to connect and read")

    @field_validator("channels")
    @classmethod
    def _unique_names(cls, value: list[ChatChannel]) -> list[ChatChannel]:
        names = [c.name.casefold() for c in value]
        if dupes := sorted({n for n in names if names.count(n) > 1}):
            raise ValueError(f"two chat channels have the same name: {', '.join(dupes)}")
        return value

    def for_use(self, use: ChatUse) -> list[ChatChannel]:
        return [channel for channel in self.channels if use in channel.send]
