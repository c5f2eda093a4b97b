"""mastodon_tags: posts carrying a company's hashtags, from the tag timelines of chosen servers."""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from pydantic import Field, field_validator

from monitor.kinds import Kind, SourceBase


class MastodonTagsSource(SourceBase):
    kind: Literal["mastodon_tags"] = "mastodon_tags"
    TARGET_FIELD: ClassVar = "servers"
    servers: list[str] = Field(
        min_length=1, description="Mastodon servers whose hashtag timelines to read."
    )

    @field_validator("servers")
    @classmethod
    def _server_names(cls, value: list[str]) -> list[str]:
        names = [re.sub(r"^https?://", "", server).strip("/").lower() for server in value]
        for name in names:
            if not re.fullmatch(r"([a-z0-9-]+\.)+[a-z]{2,}(:\d+)?", name):
                raise ValueError(f"not a server name like mastodon.social (got {name!r})")
        return names

    @property
    def target(self) -> str:
        return ",".join(self.servers)


KIND = Kind(
    name="mastodon_tags",
    display_name="Mastodon",
    model=MastodonTagsSource,
    default_base_url="https://{server}",  # filled in per server
    counters=True,
    mentions=True,
    limits_note=(
        "only hashtags (a term written #name), only posts the listed servers know of; "
        "a server may keep its tag timelines for logged-in users"
    ),
)
