"""The plain data the metrics hand to insights, the report and the export (METRICS_API.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from monitor.metrics.weeks import IsoWeek


@dataclass(frozen=True)
class MetricsSettings:
    """The report settings the metrics need (built from `config.report`)."""

    timezone: str = "UTC"
    weeks_of_trend: int = 12
    top_posts: int = 5
    breakout_z: float = 3.5
    breakout_min_history: int = 10
    min_posts_for_claim: int = 3

    @classmethod
    def from_report(cls, report: object) -> MetricsSettings:
        """From a `monitor.config.ReportSettings` (or anything with the same attributes)."""
        return cls(**{name: getattr(report, name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Figure:
    """One number and last week's. None = unknown (never 0 for unknown)."""

    value: float | None
    previous: float | None
    change: float | None  # value - previous
    change_pct: float | None  # percent; None when previous is None or 0

    @classmethod
    def of(cls, value: float | None, previous: float | None) -> Figure:
        value, previous = _known(value), _known(previous)
        if value is None or previous is None:
            return cls(value, previous, None, None)
        change = value - previous
        change_pct = None if previous == 0 else change / abs(previous) * 100
        return cls(value, previous, change, change_pct)


def _known(number: float | None) -> float | None:
    """NaN (pandas' missing) becomes None; numbers become plain floats."""
    if number is None or number != number:
        return None
    return float(number)


@dataclass(frozen=True)
class CompanyWeek:
    """One scoreboard row: a company (platform None) or a company on one platform."""

    company: str
    platform: str | None  # None = all platforms together
    is_self: bool
    posts: Figure  # own posts (reposts excluded)
    posts_per_day: Figure
    engagement: Figure  # total
    engagement_per_post: Figure
    # percent: engagement per post / followers x 100, over the platforms that show followers
    engagement_rate: Figure
    views: Figure  # total where known, else None
    followers: Figure  # at the week's end (sum over platforms that show it)
    follower_change: Figure  # absolute in the week
    follower_change_pct: Figure
    follower_drop: bool  # a sudden drop (purge) flagged
    share_of_posts: Figure  # percent of all tracked posts
    share_of_engagement: Figure  # percent of all tracked engagement
    incomplete: bool  # a source of it failed during the week
    notes: tuple[str, ...]  # plain words about missing data
    engaged_posts: Figure = Figure(None, None, None, None)  # posts whose engagement is known


@dataclass(frozen=True)
class PostSummary:
    company: str
    platform: str
    published_at: datetime  # UTC
    url: str | None
    title: str | None
    text: str
    media_type: str
    thumbnail_url: str | None
    likes: int | None
    replies: int | None
    reposts: int | None
    quotes: int | None
    views: int | None
    engagement: float | None
    engagement_rate: float | None  # percent
    z_score: float | None  # for breakouts; None elsewhere
    median_engagement: float | None  # the account's trailing median (breakouts)
    post_id: int | None = None  # the store's id: its text is read for the posts shown


@dataclass(frozen=True)
class SourceHealth:
    company: str
    platform: str
    label: str | None
    target: str
    attempts: int
    failures: dict[str, int]  # error kind -> count during the week
    last_error_kind: str | None
    last_error_message: str | None
    stale_reason: str | None
    incomplete: bool  # failed during the week, or not read at all in it
    ok: bool  # read this week, no failure, not stale, and read successfully at least once ever
    is_self: bool = False
    reads: int = 0  # successful attempts in the week
    scheduled: int | None = None  # times it was due in the week (None: interval not known)
    never_read: bool = False  # never read successfully since tracking began


@dataclass(frozen=True)
class OwnWeek:
    """One of our trend weeks: what we did and what it earned (our own evidence)."""

    week: IsoWeek
    posts: int
    engagement: float | None
    video_posts: int
    posts_by_platform: dict[str, int]


@dataclass(frozen=True)
class TopPostShare:
    """A company's best post of the week against its whole week (the one-post guard)."""

    company: str
    post_engagement: float
    week_engagement: float
    previous_engagement: float | None  # last week's total, for the change without the post

    @property
    def share(self) -> float:
        return self.post_engagement / self.week_engagement if self.week_engagement else 0.0


@dataclass(frozen=True)
class WeekMetrics:
    week: IsoWeek
    timezone: str
    start: datetime  # local aware datetimes
    end: datetime
    companies: list[CompanyWeek]  # one per company, platform=None, us first then by engagement
    platforms: list[CompanyWeek]  # per company x platform
    competitor_average: CompanyWeek  # company="Competitor average"
    landscape_average: CompanyWeek  # company="Landscape average" (all, us included)
    trend_weeks: list[IsoWeek]  # oldest first, ending with `week`
    posts_trend: dict[str, list[float | None]]  # company -> posts per trend week
    engagement_trend: dict[str, list[float | None]]
    heatmap: list[list[int]]  # [weekday 0=Mon][hour 0-23], competitors' posts, local time
    content_mix: dict[str, dict[str, tuple[int, float | None]]]  # company -> media -> (n, eng/post)
    top_hashtags: dict[str, list[tuple[str, int]]]
    top_posts: list[PostSummary]  # by engagement
    top_posts_by_rate: list[PostSummary]
    breakouts: list[PostSummary]
    health: list[SourceHealth]
    has_data: bool  # False: no posts at all in the week
    # (weekday 0=Mon, block start hour 0/4/…/20) -> (posts, engagement per post), all companies
    slots: dict[tuple[int, int], tuple[int, float | None]] = field(default_factory=dict)
    # (platform, media type) -> (posts, engagement per post), all companies' posts
    content_by_platform: dict[tuple[str, str], tuple[int, float | None]] = field(
        default_factory=dict
    )
    own_weeks: list[OwnWeek] = field(default_factory=list)  # oldest first, ending with `week`
    top_post_shares: dict[str, TopPostShare] = field(default_factory=dict)
    best_posts: list[PostSummary] = field(default_factory=list)  # each company's best two

    @property
    def us(self) -> CompanyWeek | None:
        return next((c for c in self.companies if c.is_self), None)

    @property
    def competitors(self) -> list[CompanyWeek]:
        return [c for c in self.companies if not c.is_self]
