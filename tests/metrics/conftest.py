"""A small builder of the store's rows, so each metrics test states its data exactly."""

from __future__ import annotations

from datetime import datetime

import pytest

from monitor.metrics import IsoWeek, MetricsSettings, WeekMetrics, compute_week
from monitor.store import Rows

POST_COLUMNS = (
    "post_id", "company", "is_self", "source_id", "platform", "source_label", "external_id",
    "url", "title", "text", "published_at", "media_type", "hashtags", "is_repost",
    "thumbnail_url", "likes", "replies", "reposts", "quotes", "views", "counts_observed_at",
)  # fmt: skip
ACCOUNT_COLUMNS = ("company", "is_self", "source_id", "platform", "observed_at", "followers",
                   "following", "posts_total")  # fmt: skip
SOURCE_COLUMNS = ("source_id", "company", "is_self", "platform", "target", "label", "active",
                  "last_ok_at", "last_error_kind", "last_error_message", "consecutive_failures",
                  "stale_reason")  # fmt: skip
EVENT_COLUMNS = ("source_id", "at", "ok", "error_kind", "message", "new_posts", "updated_counts")


class World:
    def __init__(self) -> None:
        self.sources: dict[int, tuple] = {}
        self.posts: list[tuple] = []
        self.accounts: list[tuple] = []
        self.events: list[tuple] = []

    def source(self, company: str, platform: str, *, is_self: bool = False,
               stale: str | None = None,
               active: bool = True) -> int:  # fmt: skip
        source_id = len(self.sources) + 1
        self.sources[source_id] = (source_id, company, is_self, platform, f"{company}-{platform}",
                                   None, active, None, None, None, 0, stale)  # fmt: skip
        return source_id

    def post(self, source_id: int, at: datetime, *, likes=None, replies=None, reposts=None,
             quotes=None, views=None, media: str = "text", hashtags: str = "",
             repost: bool = False, text: str = "") -> None:  # fmt: skip
        _, company, is_self, platform, *_ = self.sources[source_id]
        number = len(self.posts) + 1
        self.posts.append((number, company, is_self, source_id, platform, None, f"p{number}",
                           f"https://example.com/{number}", None, text, at, media, hashtags,
                           repost, None, likes, replies, reposts, quotes, views, at))  # fmt: skip

    def followers(self, source_id: int, at: datetime, count: int | None) -> None:
        _, company, is_self, platform, *_ = self.sources[source_id]
        self.accounts.append((company, is_self, source_id, platform, at, count, None, None))

    def event(
        self, source_id: int, at: datetime, *, ok: bool = True, kind: str | None = None
    ) -> None:
        self.events.append((source_id, at, ok, kind, None if ok else "it failed", 0, 0))

    def compute(self, week: str, **settings) -> WeekMetrics:
        return compute_week(
            Rows(POST_COLUMNS, self.posts),
            Rows(ACCOUNT_COLUMNS, self.accounts),
            Rows(SOURCE_COLUMNS, list(self.sources.values())),
            Rows(EVENT_COLUMNS, self.events),
            IsoWeek.parse(week),
            MetricsSettings(**settings),
        )


@pytest.fixture
def world() -> World:
    return World()
