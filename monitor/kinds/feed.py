"""feed: RSS 2.0, RSS 1.0, Atom and JSON Feed (blogs, newsrooms, podcasts, RSSHub routes)."""

from __future__ import annotations

from typing import ClassVar, Literal

from monitor.config_types import HttpUrl
from monitor.kinds import Kind, SourceBase


class FeedSource(SourceBase):
    kind: Literal["feed"] = "feed"
    TARGET_FIELD: ClassVar = "url"
    url: HttpUrl


KIND = Kind(
    name="feed",
    display_name="Website feed",
    model=FeedSource,
    default_base_url="",
    counters=False,
)
