"""reddit_search: Reddit posts naming a company, through Reddit's public search feed (RSS)."""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from pydantic import Field, field_validator

from monitor.kinds import Kind, SourceBase


class RedditSearchSource(SourceBase):
    kind: Literal["reddit_search"] = "reddit_search"
    TARGET_FIELD: ClassVar = "within"
    within: str = Field("all", description="all of Reddit, or one subreddit as r/name.")
    period: Literal["day", "week", "month"] = "week"

    @field_validator("within")
    @classmethod
    def _within_shape(cls, value: str) -> str:
        value = value.strip("/")
        if value == "all" or re.fullmatch(r"r/[A-Za-z0-9_]{2,21}", value):
            return value
        raise ValueError("not 'all' or a subreddit like r/name")


KIND = Kind(
    name="reddit_search",
    display_name="Reddit",
    model=RedditSearchSource,
    default_base_url="https://www.reddit.com",
    counters=False,
    mentions=True,
    limits_note=(
        "Reddit's search feed gives volume only (no votes or comment counts), the newest 100 "
        "posts a search, not comments; Reddit may refuse automated readers"
    ),
)
