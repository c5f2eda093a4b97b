"""The scoreboard: per company (and per company x platform) figures for a week, with last
week's, the two average rows, and the trend series."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

import numpy as np
import pandas as pd

from monitor.metrics.frames import followers_at, sudden_drops
from monitor.metrics.model import CompanyWeek, Figure

FOLLOWER_DROP_PCT = 5.0  # a fall this large between two observations is flagged as a purge
DAYS_IN_WEEK = 7  # a DST week is 167 or 169 hours long but still 7 days of posting
FIGURES = (
    "posts",
    "posts_per_day",
    "engagement",
    "engagement_per_post",
    "engagement_rate",
    "views",
    "followers",
    "follower_change",
    "follower_change_pct",
    "share_of_posts",
    "share_of_engagement",
    "engaged_posts",
)
COMPETITOR_AVERAGE = "Competitor average"
LANDSCAPE_AVERAGE = "Landscape average"


def week_table(
    posts: pd.DataFrame,
    accounts: pd.DataFrame,
    sources: pd.DataFrame,
    start: datetime,
    end: datetime,
    by: list[str],
    read_normally: Collection[str] = (),
) -> pd.DataFrame:
    """One row per group (`by` = ["company"] or ["company", "platform"]) for [start, end).

    A company in `read_normally` (every source read without a problem in the week) that
    published nothing earned a known 0 engagement; otherwise no posts leave it unknown."""
    groups = sources[by].drop_duplicates().sort_values(by)
    index = pd.MultiIndex.from_frame(groups) if len(by) > 1 else pd.Index(groups[by[0]])
    week = posts[(posts["published_at"] >= start) & (posts["published_at"] < end)]
    grouped = week.groupby(by)
    table = pd.DataFrame(index=index)
    table["posts"] = grouped.size().reindex(index, fill_value=0).astype(float)
    table["posts_per_day"] = table["posts"] / DAYS_IN_WEEK
    table["engagement"] = grouped["engagement"].sum(min_count=1).reindex(index)
    companies = table.index.get_level_values("company") if len(by) > 1 else table.index
    silent = (table["posts"] == 0) & companies.isin(list(read_normally))
    table.loc[silent, "engagement"] = 0.0
    engaged = grouped["engagement"].count().reindex(index, fill_value=0)
    table["engagement_per_post"] = table["engagement"] / engaged.where(engaged > 0)
    table["engaged_posts"] = engaged.astype(float)
    table["views"] = grouped["views"].sum(min_count=1).reindex(index)
    _audience(table, accounts, sources, start, end, by)
    _per_follower(table, week, accounts, end, by)
    _shares(table, by)
    return table


def _per_follower(table, week: pd.DataFrame, accounts, end, by) -> None:
    """Engagement per post per follower, x 100, over the platforms that show followers: the
    engagement and posts of the sources with a follower count at the week's end, divided by
    those followers. So a company's figure is its per-platform figures' parts added up."""
    known = followers_at(accounts, end).dropna().index
    counted = week[week["source_id"].isin(known)].groupby(by)["engagement"]
    engagement = counted.sum(min_count=1).reindex(table.index)
    engaged = counted.count().reindex(table.index, fill_value=0)
    table["followed_engagement"] = engagement
    table["followed_posts"] = engaged.astype(float)
    table["engagement_rate"] = _rate(engagement, engaged, table["followers"])


def _rate(engagement, posts, followers):
    """Per post per follower x 100; NaN where posts or followers are missing or 0."""
    return engagement / posts.where(posts > 0) / followers.where(followers > 0) * 100


def _audience(table, accounts, sources, start, end, by) -> None:
    per_source = sources.set_index("source_id")[by]
    at_end = followers_at(accounts, end).reindex(per_source.index)
    at_start = followers_at(accounts, start).reindex(per_source.index)
    both = at_end.notna() & at_start.notna()
    keys = [per_source[k] for k in by]
    table["followers"] = at_end.groupby(keys).sum(min_count=1).reindex(table.index)
    change = (at_end - at_start).where(both).groupby(keys).sum(min_count=1)
    base = at_start.where(both).groupby(keys).sum(min_count=1)
    table["follower_change"] = change.reindex(table.index)
    table["follower_change_pct"] = (change / base.where(base > 0) * 100).reindex(table.index)
    dropped = per_source.index.isin(list(sudden_drops(accounts, start, end, FOLLOWER_DROP_PCT)))
    flags = pd.Series(dropped, index=per_source.index).groupby(keys).any()
    table["follower_drop"] = flags.reindex(table.index, fill_value=False).astype(bool)


def _shares(table: pd.DataFrame, by: list[str]) -> None:
    """Shares of all tracked posts and engagement (per platform for platform rows)."""
    level = "platform" if "platform" in by else None
    posts_total = table.groupby(level=level)["posts"].transform("sum") if level else None
    if posts_total is None:
        posts_total = pd.Series(table["posts"].sum(), index=table.index)
    engagement = table["engagement"].where(table["posts"] > 0, 0.0)  # no posts: earned none
    if level:
        engagement_total = engagement.groupby(level=level).transform("sum")
    else:
        engagement_total = pd.Series(engagement.sum(), index=table.index)
    table["share_of_posts"] = table["posts"] / posts_total.where(posts_total > 0) * 100
    table["share_of_engagement"] = engagement / engagement_total.where(engagement_total > 0) * 100


def company_rows(
    current: pd.DataFrame,
    previous: pd.DataFrame,
    is_self: dict[str, bool],
    incomplete: dict[str, bool],
    notes: dict[tuple[str, str | None], tuple[str, ...]],
) -> list[CompanyWeek]:
    rows = []
    # Plain dicts a row: a Series a row (.loc) cost most of the scoreboard at 1,000 companies.
    now_rows = current[[*FIGURES, "follower_drop"]].to_dict("index")
    before_rows = previous[[*FIGURES]].to_dict("index")
    for key in current.index:
        company, platform = (key, None) if isinstance(key, str) else key
        now, before = now_rows[key], before_rows[key]
        figures = {name: Figure.of(now[name], before[name]) for name in FIGURES}
        rows.append(
            CompanyWeek(
                company=company,
                platform=platform,
                is_self=is_self[company],
                follower_drop=bool(now["follower_drop"]),
                incomplete=incomplete.get(company, False),
                notes=notes.get((company, platform), ()),
                **figures,
            )
        )
    return rows


def order_companies(rows: list[CompanyWeek]) -> list[CompanyWeek]:
    """Us first, then by engagement (unknown last), then by name."""
    return sorted(rows, key=lambda r: (not r.is_self, r.engagement.value is None,
                                       -(r.engagement.value or 0.0), r.company))  # fmt: skip


def average_row(
    name: str, current: pd.DataFrame, previous: pd.DataFrame, incomplete: bool
) -> CompanyWeek:
    """The average company of `current`'s rows: each count averaged over the companies that
    know it; the ratios (per post, per follower, change in %) computed from those averages,
    so the average row obeys the same arithmetic as a company's (not an average of ratios)."""
    now, before = _average(current), _average(previous)
    figures = {column: Figure.of(now[column], before[column]) for column in FIGURES}
    return CompanyWeek(
        company=name,
        platform=None,
        is_self=False,
        follower_drop=False,
        incomplete=incomplete,
        notes=(),
        **figures,
    )


AVERAGED = ("posts", "posts_per_day", "engagement", "engaged_posts", "views", "followers",
            "follower_change", "share_of_posts", "share_of_engagement", "followed_engagement",
            "followed_posts")  # fmt: skip


def _average(rows: pd.DataFrame) -> dict[str, float]:
    mean = {c: _mean(rows, c) for c in AVERAGED}
    # Each ratio over the companies that know both of its parts.
    engaged = rows[rows["engagement"].notna()]
    per_post = _ratio(_mean(engaged, "engagement"), _mean(engaged, "engaged_posts"))
    followed = rows[rows["followed_engagement"].notna() & rows["followers"].notna()]
    followed_per_post = _ratio(
        _mean(followed, "followed_engagement"), _mean(followed, "followed_posts")
    )
    grown = rows[rows["follower_change"].notna()]
    base = _mean(grown, "followers") - _mean(grown, "follower_change")
    return {
        **mean,
        "engagement_per_post": per_post,
        "engagement_rate": _ratio(followed_per_post, _mean(followed, "followers")) * 100,
        "follower_change_pct": _ratio(_mean(grown, "follower_change"), base) * 100,
    }


def _mean(rows: pd.DataFrame, column: str) -> float:
    return float(rows[column].mean()) if len(rows) else np.nan


def _ratio(top: float, bottom: float) -> float:
    return top / bottom if bottom == bottom and bottom > 0 else np.nan


def trends(
    posts: pd.DataFrame, companies: list[str], boundaries: list[datetime]
) -> tuple[dict[str, list[float | None]], dict[str, list[float | None]]]:
    """Posts and engagement per company for each week between consecutive boundaries."""
    weeks = len(boundaries) - 1
    edges = pd.DatetimeIndex([pd.Timestamp(b) for b in boundaries]).tz_convert("UTC").as_unit("ns")
    position = np.searchsorted(edges.asi8, posts["published_at"].dt.as_unit("ns").array.asi8,
                               side="right") - 1  # fmt: skip
    inside = (position >= 0) & (position < weeks)
    df = posts.loc[inside, ["company", "engagement"]].assign(week=position[inside])
    grouped = df.groupby(["company", "week"])
    # A company by week table each (a lookup a cell cost more than the grouping).
    shape = {"index": companies, "columns": range(weeks)}
    counts = grouped.size().unstack().reindex(**shape).fillna(0).to_numpy(dtype="float64")
    engagement = grouped["engagement"].sum(min_count=1).unstack().reindex(**shape)
    engagement = engagement.to_numpy(dtype="float64")
    posts_trend = {company: counts[i].tolist() for i, company in enumerate(companies)}
    engagement_trend = {
        company: [_none_if_nan(v) for v in engagement[i].tolist()]
        for i, company in enumerate(companies)
    }
    return posts_trend, engagement_trend


def _none_if_nan(value: float) -> float | None:
    return None if pd.isna(value) else float(value)
