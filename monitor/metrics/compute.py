"""compute_week: the whole week's metrics from the store's rows; load_and_compute reads them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pandas as pd

from monitor.kinds import mention_kinds, outcome_kinds
from monitor.metrics.frames import accounts_frame, engagement_rate, frame, posts_frame, utc_times
from monitor.metrics.health import notes_for, source_health
from monitor.metrics.history import content_by_platform, own_weeks, top_post_shares
from monitor.metrics.model import CompanyWeek, MetricsSettings, PostSummary, WeekMetrics
from monitor.metrics.posts import (
    best_posts,
    breakouts,
    content_mix,
    heatmap,
    slots,
    top_hashtags,
    top_posts,
)
from monitor.metrics.scoreboard import (
    COMPETITOR_AVERAGE,
    LANDSCAPE_AVERAGE,
    average_row,
    company_rows,
    order_companies,
    trends,
    week_table,
)
from monitor.metrics.weeks import IsoWeek
from monitor.store import Rows

BEST_POSTS_PER_COMPANY = 3  # the digest shows two; one more stands in for a breakout shown apart
BREAKOUT_HISTORY = timedelta(days=90)  # a post is compared with its account's previous 90 days


def window_for(week: IsoWeek, settings: MetricsSettings) -> tuple[datetime, datetime]:
    """The UTC range to read: the trend weeks, last week (for changes) and the breakout history."""
    # In UTC before any arithmetic: Python subtracts on the wall clock within one zone.
    first = week.minus(max(settings.weeks_of_trend - 1, 1)).start(settings.timezone)
    history = week.start(settings.timezone).astimezone(UTC) - BREAKOUT_HISTORY
    return min(first.astimezone(UTC), history), week.end(settings.timezone).astimezone(UTC)


def compute_week(
    posts: Rows | Iterable[Rows],
    accounts: Rows | Iterable[Rows],
    sources: Rows,
    events: Rows,
    week: IsoWeek,
    settings: MetricsSettings,
    as_of: datetime | None = None,
    history: Iterable[Rows] = (),
) -> WeekMetrics:
    """The report week's metrics, last week's for the changes, the trend and the health.

    `as_of` (now) matters for a week still in progress: its data health counts the readings
    scheduled so far, not the whole week's. `history`: the posts of the weeks before last
    week, when `posts` holds only the two compared (see posts_frame)."""
    tz = settings.timezone
    start, end = week.start(tz), week.end(tz)
    previous_start = week.previous().start(tz)
    every_source = _sources_frame(sources)
    health = source_health(every_source, _events_frame(events), start, end, as_of)
    # Outcome sources (our visits, sign-ups) and mention sources (what others say) are in
    # data health, never in the posting figures: they post nothing and have no followers.
    elsewhere = list(outcome_kinds() | mention_kinds())
    not_posting = every_source["platform"].isin(elsewhere).to_numpy(dtype=bool)
    source_table = every_source[~not_posting].reset_index(drop=True)
    social_health = [h for h, skip in zip(health, not_posting, strict=True) if not skip]
    companies = pd.Index(source_table["company"].unique())
    accounts_df = accounts_frame(accounts)
    posts_df = posts_frame(posts, companies, frame(sources), history)
    posts_df["engagement_rate"] = engagement_rate(posts_df, accounts_df)
    published = posts_df["published_at"]
    compared = posts_df[(published >= previous_start) & (published < end)]  # this week and last
    week_posts = compared[compared["published_at"] >= start]

    incomplete = {h.company: True for h in social_health if h.incomplete}
    notes = notes_for(source_table, social_health, set(accounts_df["source_id"]), week_posts)
    is_self = dict(zip(every_source["company"], every_source["is_self"], strict=False))

    read_normally = set(companies) - set(incomplete)

    def rows(by: list[str]) -> tuple[list[CompanyWeek], pd.DataFrame, pd.DataFrame]:
        now = week_table(compared, accounts_df, source_table, start, end, by, read_normally)
        before = week_table(compared, accounts_df, source_table, previous_start, start, by)
        return company_rows(now, before, is_self, incomplete, notes), now, before

    company_list, now, before = rows(["company"])
    company_list = order_companies(company_list)
    platform_list, _, _ = rows(["company", "platform"])
    rank = {row.company: i for i, row in enumerate(company_list)}
    platform_list.sort(key=lambda r: (rank[r.company], r.platform or ""))
    health.sort(key=lambda h: (rank[h.company], h.platform, h.target))

    competitors = ~now.index.map(is_self).to_numpy(dtype=bool)
    trend_weeks = [week.minus(n) for n in range(settings.weeks_of_trend - 1, -1, -1)]
    boundaries = [w.start(tz) for w in trend_weeks] + [end]
    names = [row.company for row in company_list]
    posts_trend, engagement_trend = trends(posts_df, names, boundaries)
    previous = {row.company: row.engagement.previous for row in company_list}
    return WeekMetrics(
        week=week,
        timezone=tz,
        start=start,
        end=end,
        companies=company_list,
        platforms=platform_list,
        competitor_average=average_row(
            COMPETITOR_AVERAGE,
            now[competitors],
            before[competitors],
            any(incomplete.get(c, False) for c in now.index[competitors]),
        ),
        landscape_average=average_row(LANDSCAPE_AVERAGE, now, before, bool(incomplete)),
        trend_weeks=trend_weeks,
        posts_trend=posts_trend,
        engagement_trend=engagement_trend,
        heatmap=heatmap(week_posts, tz),
        content_mix=content_mix(week_posts),
        top_hashtags=top_hashtags(week_posts),
        top_posts=top_posts(week_posts, "engagement", settings.top_posts),
        top_posts_by_rate=top_posts(week_posts, "engagement_rate", settings.top_posts),
        breakouts=breakouts(
            posts_df,
            week_posts,
            settings.breakout_z,
            settings.breakout_min_history,
            BREAKOUT_HISTORY,
        ),
        health=health,
        has_data=bool(len(week_posts)),
        slots=slots(week_posts, tz),
        content_by_platform=content_by_platform(week_posts),
        own_weeks=own_weeks(posts_df, trend_weeks, boundaries),
        top_post_shares=top_post_shares(week_posts, previous),
        best_posts=best_posts(week_posts, BEST_POSTS_PER_COMPANY),
    )


def _sources_frame(sources: Rows) -> pd.DataFrame:
    """Active sources: they define the tracked companies and platforms."""
    df = frame(sources)
    if df.empty:
        df = pd.DataFrame(columns=list(sources.columns) or _SOURCE_COLUMNS)
    df = df[df["active"].astype(bool)].copy()
    df["is_self"] = df["is_self"].astype(bool)
    df["source_id"] = df["source_id"].astype("int64")
    return df.sort_values(["company", "platform", "source_id"]).reset_index(drop=True)


_SOURCE_COLUMNS = ["source_id", "company", "is_self", "platform", "target", "label", "active",
                   "last_ok_at", "last_error_kind", "last_error_message", "consecutive_failures",
                   "stale_reason", "interval_s", "first_attempt_at"]  # fmt: skip


def _events_frame(events: Rows) -> pd.DataFrame:
    df = frame(events)
    if df.empty:
        return pd.DataFrame(columns=list(events.columns) or ["source_id", "at", "ok", "error_kind"])
    if "at" in df:
        df["at"] = utc_times(df["at"])
    return df


def load_and_compute(
    store, week: IsoWeek, settings: MetricsSettings, as_of: datetime | None = None
) -> WeekMetrics:
    """Read the week's window from the store (its read_* methods only) and compute."""
    since, until = window_for(week, settings)
    # Data health is about the report week only: its events are all that is read.
    week_start = week.start(settings.timezone).astimezone(UTC)
    # Every figure of the two compared weeks; of the weeks before, what the trend and the
    # accounts' records use (most of the window, read in half the values).
    compared_start = week.previous().start(settings.timezone).astimezone(UTC)
    metrics = compute_week(
        store.read_post_figures(compared_start, until),
        store.read_followers(since, until),
        store.read_sources(),
        store.read_attempt_counts(week_start, until),
        week,
        settings,
        as_of,
        history=store.read_post_history(since, compared_start),
    )
    return with_texts(metrics, store.read_post_texts)


SHOWN_POSTS = ("top_posts", "top_posts_by_rate", "breakouts", "best_posts")


def with_texts(
    metrics: WeekMetrics, read: Callable[[list[int]], dict[int, tuple[str | None, ...]]]
) -> WeekMetrics:
    """The posts the digest shows with their title, text and thumbnail: a year of posts is
    computed without them (most of the memory a long text history would take)."""
    shown = [post for name in SHOWN_POSTS for post in getattr(metrics, name)]
    texts = read([post.post_id for post in shown if post.post_id is not None])

    def filled(post: PostSummary) -> PostSummary:
        title, text, thumbnail = texts.get(post.post_id, (post.title, post.text, None))
        return replace(post, title=title, text=text or "", thumbnail_url=thumbnail)

    return replace(
        metrics, **{name: [filled(post) for post in getattr(metrics, name)] for name in SHOWN_POSTS}
    )
