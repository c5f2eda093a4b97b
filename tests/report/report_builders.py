"""Realistic WeekMetrics for the report tests, built from the real metrics dataclasses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor import insights
from monitor.metrics import (
    CompanyWeek,
    Figure,
    IsoWeek,
    MetricsSettings,
    PostSummary,
    SourceHealth,
    WeekMetrics,
)
from monitor.report.render import Digest, render_digest

WEEK = IsoWeek(2025, 47)  # 17-23 Nov 2025
TIMEZONE = "Europe/Rome"
COMPETITORS = (
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Stark",
    "Wayne",
    "Tyrell",
    "Cyberdyne",
)
PLATFORMS = ("mastodon", "bluesky", "telegram", "youtube", "feed")
US = "Our Company"


def company_week(
    company: str,
    *,
    is_self: bool = False,
    posts: float = 12,
    previous_posts: float = 10,
    engagement: float = 1234.5,
    followers: float | None = 12000,
    platform: str | None = None,
    incomplete: bool = False,
) -> CompanyWeek:
    per_post = engagement / posts if posts else None
    return CompanyWeek(
        company=company,
        platform=platform,
        is_self=is_self,
        posts=Figure.of(posts, previous_posts),
        posts_per_day=Figure.of(posts / 7, previous_posts / 7),
        engagement=Figure.of(engagement, engagement / 1.38),
        engagement_per_post=Figure.of(per_post, per_post * 1.1 if per_post else None),
        engagement_rate=Figure.of(1.25, 1.0),
        views=Figure.of(None, None),
        followers=Figure.of(followers, followers - 150 if followers else None),
        follower_change=Figure.of(150 if followers else None, 90),
        follower_change_pct=Figure.of(1.26 if followers else None, 0.8),
        follower_drop=False,
        share_of_posts=Figure.of(20.0, 18.0),
        share_of_engagement=Figure.of(25.0, 22.5),
        incomplete=incomplete,
        notes=(),
    )


def post(
    company: str,
    platform: str,
    *,
    text: str = "Our autumn launch is here",
    day: int = 18,
    url: str | None = "https://mastodon.example/@acme/1",
    thumbnail: str | None = None,
    engagement: float = 812,
    title: str | None = None,
    z_score: float | None = None,
    median: float | None = None,
) -> PostSummary:
    return PostSummary(
        company=company,
        platform=platform,
        published_at=datetime(2025, 11, day, 8, 30, tzinfo=UTC),
        url=url,
        title=title,
        text=text,
        media_type="image",
        thumbnail_url=thumbnail,
        likes=700,
        replies=12,
        reposts=100,
        quotes=None,
        views=None,
        engagement=engagement,
        engagement_rate=2.5,
        z_score=z_score,
        median_engagement=median,
    )


def health(
    company: str,
    platform: str,
    *,
    failures: dict[str, int] | None = None,
    stale_reason: str | None = None,
) -> SourceHealth:
    failures = failures or {}
    return SourceHealth(
        company=company,
        platform=platform,
        label=None,
        target=f"{company.lower()}_news",
        attempts=168,
        failures=failures,
        last_error_kind=next(iter(failures), None),
        last_error_message=None,
        stale_reason=stale_reason,
        incomplete=bool(failures),
        ok=not failures and not stale_reason,
        is_self=company == US,
        reads=168 - sum(failures.values()),
        scheduled=168,
    )


def week_metrics(
    competitors: tuple[str, ...] = COMPETITORS[:3],
    platforms: tuple[str, ...] = PLATFORMS[:2],
    *,
    top_posts: list[PostSummary] | None = None,
    breakouts: list[PostSummary] | None = None,
    sources: list[SourceHealth] | None = None,
    has_data: bool = True,
) -> WeekMetrics:
    """Us plus `competitors`, each on `platforms`; figures that differ per company."""
    names = (US, *competitors)
    companies = [
        company_week(
            name,
            is_self=index == 0,
            posts=4 if index == 0 else 10 + 7 * index,
            engagement=300.0 if index == 0 else 1000.0 * index,
        )
        for index, name in enumerate(names)
    ]
    trend = [WEEK.minus(n) for n in range(11, -1, -1)]
    posts_default = [
        post(c, p, day=17 + i % 7)
        for i, (c, p) in enumerate((c, p) for c in competitors for p in platforms)
    ]
    heatmap = [[(d * 24 + h) % 5 if 8 <= h <= 18 else 0 for h in range(24)] for d in range(7)]
    return WeekMetrics(
        week=WEEK,
        timezone=TIMEZONE,
        start=WEEK.start(TIMEZONE),
        end=WEEK.end(TIMEZONE),
        companies=companies,
        platforms=[company_week(n, is_self=n == US, platform=p) for n in names for p in platforms],
        competitor_average=company_week("Competitor average", posts=20.5, engagement=2000),
        landscape_average=company_week("Landscape average", posts=17.2, engagement=1600),
        trend_weeks=trend,
        posts_trend={n: [float(i + (w % 4)) for w in range(12)] for i, n in enumerate(names)},
        engagement_trend={n: [100.0 * (i + 1)] * 12 for i, n in enumerate(names)},
        heatmap=heatmap if has_data else [[0] * 24 for _ in range(7)],
        content_mix={},
        top_hashtags={},
        top_posts=(top_posts if top_posts is not None else posts_default) if has_data else [],
        best_posts=(top_posts if top_posts is not None else posts_default) if has_data else [],
        top_posts_by_rate=[],
        breakouts=breakouts or [],
        health=sources if sources is not None else [health(n, p) for n in names for p in platforms],
        has_data=has_data,
    )


def when(day: int = 24, hour: int = 7) -> datetime:
    return datetime(2025, 11, day, hour, 0, tzinfo=UTC) + timedelta(0)


HOSTILE = (
    '<script>alert("x")</script> <img src=x onerror=alert(1)> '
    '<a href="javascript:alert(2)">win</a> </table></td> end'
)


def hostile_metrics():
    """A week where competitors' text, links and thumbnails try every trick."""
    top = [
        post(
            "Acme",
            "telegram",
            text=HOSTILE,
            url="javascript:alert(3)",
            thumbnail="data:image/png;base64,AAAA",
            engagement=900,
        ),
        post(
            "Globex",
            "mastodon",
            text="Plain launch note",
            url="https://globex.example/p/1",
            thumbnail="https://cdn.globex.example/t.jpg",
            engagement=700,
        ),
        post(
            "Initech",
            "html",
            text="Relative link",
            url="/news/1",
            engagement=600,
            thumbnail="vbscript:msgbox(1)",
        ),
    ]
    breakout = post(
        "Acme",
        "bluesky",
        text="Record </table>",
        engagement=5000,
        median=200,
        z_score=6.1,
        url="https://bsky.example/acme/9",
    )
    sources = [
        health("Acme", "telegram", failures={"rate_limited": 3}),
        health("Globex", "feed", stale_reason="nothing new for 30 days"),
        health("Our Company", "bluesky"),
    ]
    return week_metrics(top_posts=top, breakouts=[breakout], sources=sources)


def render(metrics, language: str, top_posts: int = 5) -> Digest:
    argument = insights.interpret(metrics, MetricsSettings(timezone=TIMEZONE))
    return render_digest(
        metrics, argument, language=language, top_posts=top_posts, generated_at=when()
    )
