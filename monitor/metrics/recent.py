"""The last hours, for alerts between digests: young posts breaking out, posting surges.

Pure functions over the posts frame (`frames.posts_frame`). A breakout here is the digest's
breakout (`posts.breakouts`: the robust z-score of log engagement against the account's own
previous posts), applied to the posts younger than a span instead of the report week's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from monitor.metrics.compute import BREAKOUT_HISTORY
from monitor.metrics.model import MetricsSettings, PostSummary
from monitor.metrics.posts import breakouts


@dataclass(frozen=True)
class PostingSurge:
    """A company that published `posts` in the last `window`, `ratio` times its usual."""

    company: str
    posts: int
    usual: float  # posts per `window`, over the `baseline` before it
    ratio: float
    window: timedelta
    baseline: timedelta


def read_span(now: datetime, young_for: timedelta, baseline: timedelta) -> timedelta:
    """How far back the alerts must read: the young posts' history, and the surge baseline."""
    return max(young_for + BREAKOUT_HISTORY, baseline) + timedelta(days=1)


def young_breakouts(
    posts: pd.DataFrame, now: datetime, young_for: timedelta, settings: MetricsSettings
) -> list[PostSummary]:
    """Posts published in the last `young_for` that break out by the digest's own measure."""
    at = pd.Timestamp(now)
    published = posts["published_at"]
    young = posts[(published >= at - pd.Timedelta(young_for)) & (published <= at)]
    if young.empty:
        return []
    return breakouts(
        posts, young, settings.breakout_z, settings.breakout_min_history, BREAKOUT_HISTORY
    )


def posting_surges(
    posts: pd.DataFrame,
    now: datetime,
    *,
    window: timedelta,
    baseline: timedelta,
    ratio: float,
    min_posts: int,
) -> list[PostingSurge]:
    """Competitors with at least `min_posts` posts in the last `window` and `ratio` times
    their usual rate (posts per window over the `baseline` before it). A company with no
    post in the baseline has no usual rate: no ratio against zero, no surge."""
    at = pd.Timestamp(now)
    start, first = at - pd.Timedelta(window), at - pd.Timedelta(window + baseline)
    found = []
    for company, group in posts[~posts["is_self"]].groupby("company"):
        published = group["published_at"]
        recent = int(((published >= start) & (published <= at)).sum())
        before = int(((published >= first) & (published < start)).sum())
        usual = before * (window / baseline)
        if recent < min_posts or before == 0 or recent / usual < ratio:
            continue
        found.append(PostingSurge(str(company), recent, usual, recent / usual, window, baseline))
    return sorted(found, key=lambda surge: -surge.ratio)
