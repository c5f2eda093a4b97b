"""hackernews: stories and comments naming a company, through the public Algolia HN search."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from monitor.kinds import Kind, SourceBase


class HackernewsSource(SourceBase):
    kind: Literal["hackernews"] = "hackernews"
    TARGET_FIELD: ClassVar = "look_in"
    look_in: Literal["all", "stories", "comments"] = Field(
        "all", description="Stories, comments, or both (all)."
    )


KIND = Kind(
    name="hackernews",
    display_name="Hacker News",
    model=HackernewsSource,
    default_base_url="https://hn.algolia.com",
    counters=True,
    mentions=True,
    limits_note=(
        "Algolia's public HN search allows about 10,000 requests an hour; comments carry "
        "no points, stories points and comment counts"
    ),
)
