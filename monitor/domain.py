"""Plain, frozen data shared by every layer. No I/O, no pandas, no pydantic."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

MediaType = Literal["text", "link", "image", "video", "audio", "document", "poll"]
MEDIA_TYPES: tuple[str, ...] = MediaType.__args__  # type: ignore[attr-defined]
# The longest company name and source label, and the longest target, the store keeps
# (companies.name, sources.label, sources.target): checked when the configuration is read,
# so SQLite (which would keep more) and PostgreSQL (which would refuse) agree.
NAME_MAX_CHARS = 200
TARGET_MAX_CHARS = 500


@dataclass(frozen=True)
class Counts:
    """A post's public counters. None means the platform does not show it (never 0)."""

    likes: int | None = None
    replies: int | None = None
    reposts: int | None = None
    quotes: int | None = None
    views: int | None = None

    @property
    def engagement(self) -> int | None:
        """likes + replies + reposts + quotes, over the counters that are known."""
        known = [c for c in (self.likes, self.replies, self.reposts, self.quotes) if c is not None]
        return sum(known) if known else None


@dataclass(frozen=True)
class Post:
    """One post as a collector saw it. Times are timezone-aware UTC."""

    external_id: str
    published_at: datetime
    url: str | None = None
    title: str | None = None
    text: str = ""  # plain-text excerpt, HTML stripped, at most ~500 characters
    media_type: MediaType = "text"
    hashtags: tuple[str, ...] = ()
    is_repost: bool = False  # a boost/repost of someone else's content
    counts: Counts = field(default_factory=Counts)
    thumbnail_url: str | None = None
    published_estimated: bool = False  # True when only an "updated" time was available


@dataclass(frozen=True)
class AccountStats:
    """The account's audience as the platform shows it; None where it does not."""

    followers: int | None = None
    following: int | None = None
    posts_total: int | None = None


@dataclass(frozen=True)
class Mention:
    """Something someone else published that names a company (a story, a post, an article)."""

    url: str  # the mention's own address: its identity, however many sources saw it
    published_at: datetime
    external_id: str  # the platform's id (an HN item, a status, a post's at:// uri)
    title: str | None = None
    text: str = ""  # plain-text excerpt, at most ~500 characters
    author: str | None = None  # as the platform names them: "user@server", "name.bsky.social"
    counts: Counts = field(default_factory=Counts)  # None where the platform gives none
    # False where the platform returns only a headline, so the terms cannot be checked here.
    full_text: bool = True


@dataclass(frozen=True)
class WeekOutcome:
    """Our own results in one ISO week, as an outcome source gives them; None = not given."""

    week: str  # the ISO week, "2026-W47"
    visits_from_social: int | None = None
    signups: int | None = None
    orders: int | None = None
    revenue: float | None = None
    spend: float | None = None  # what social cost us that week, where the source states it
    currency: str | None = None  # of revenue and spend ("EUR")

    FIGURES = ("visits_from_social", "signups", "orders", "revenue", "spend")


@dataclass(frozen=True)
class Harvest:
    """What one collection of one source produced."""

    observed_at: datetime
    posts: tuple[Post, ...] = ()
    account: AccountStats | None = None
    unchanged: bool = False  # 304 / same body: nothing to parse, nothing to write
    warnings: tuple[str, ...] = ()  # plain sentences, e.g. "the feed is malformed; read 12 items"
    remember: dict[str, Any] = field(default_factory=dict)  # collector state to keep (ids)
    mentions: tuple[Mention, ...] = ()  # what others said about the source's company
    outcomes: tuple[WeekOutcome, ...] = ()  # our own weekly results (an outcome source)
