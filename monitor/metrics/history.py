"""Our own trend weeks (what we did, what it earned), the one-post guard and content by
platform: the raw material of the digest's argument, computed once here."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from monitor.metrics.model import OwnWeek, TopPostShare
from monitor.metrics.posts import per_post_groups
from monitor.metrics.weeks import IsoWeek


def own_weeks(
    posts: pd.DataFrame, weeks: list[IsoWeek], boundaries: list[datetime]
) -> list[OwnWeek]:
    """Per trend week, our posts, their engagement (None when no post of ours has a counter),
    our video posts and our posts per platform."""
    ours = posts[posts["is_self"]]
    position = _week_positions(ours["published_at"], boundaries)
    inside = (position >= 0) & (position < len(weeks))
    ours = ours.loc[inside].assign(week=position[inside])
    result = []
    for index, week in enumerate(weeks):
        rows = ours[ours["week"] == index]
        engagement = rows["engagement"].sum(min_count=1)
        result.append(
            OwnWeek(
                week=week,
                posts=len(rows),
                engagement=None if pd.isna(engagement) else float(engagement),
                video_posts=int((rows["media_type"] == "video").sum()),
                posts_by_platform={
                    str(k): int(v) for k, v in rows.groupby("platform").size().items()
                },
            )
        )
    return result


def _week_positions(times: pd.Series, boundaries: list[datetime]) -> np.ndarray:
    edges = pd.DatetimeIndex([pd.Timestamp(b) for b in boundaries]).tz_convert("UTC").as_unit("ns")
    return np.searchsorted(edges.asi8, times.dt.as_unit("ns").array.asi8, side="right") - 1


def top_post_shares(
    week_posts: pd.DataFrame, previous: dict[str, float | None]
) -> dict[str, TopPostShare]:
    """Per company with engagement this week: its best post's engagement and the week's total."""
    known = week_posts.dropna(subset=["engagement"])
    shares = {}
    for company, rows in known.groupby("company"):
        total = float(rows["engagement"].sum())
        if total > 0:
            shares[str(company)] = TopPostShare(
                str(company), float(rows["engagement"].max()), total, previous.get(str(company))
            )
    return shares


def content_by_platform(
    week_posts: pd.DataFrame,
) -> dict[tuple[str, str], tuple[int, float | None]]:
    """(platform, media type) -> (posts, engagement per post): like compared with like, since
    every post of one platform carries the same counters."""
    grouped = week_posts.groupby(["platform", "media_type"])["engagement"]
    return {(str(p), str(m)): value for (p, m), value in per_post_groups(grouped).items()}
