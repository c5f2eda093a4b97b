"""Post-level metrics: heatmap, content mix, hashtags, top posts and breakout posts."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import numpy as np
import pandas as pd

from monitor.metrics.model import PostSummary

TOP_HASHTAGS = 5
MAD_SCALE = 0.6745  # makes the MAD comparable with a standard deviation for normal data
MEAN_AD_SCALE = 0.7979  # the same for the mean absolute deviation, used when the MAD is 0


def heatmap(week_posts: pd.DataFrame, tz: str) -> list[list[int]]:
    """Competitors' posts by weekday (0 = Monday) and hour, in the report's local time."""
    grid = np.zeros((7, 24), dtype=int)
    local = week_posts.loc[~week_posts["is_self"], "published_at"].dt.tz_convert(tz)
    np.add.at(grid, (local.dt.day_of_week.to_numpy(), local.dt.hour.to_numpy()), 1)
    return grid.tolist()


def slots(
    week_posts: pd.DataFrame, tz: str, hours: int = 4
) -> dict[tuple[int, int], tuple[int, float | None]]:
    """(weekday, first hour of a `hours`-long block) -> (posts, engagement per post), local time."""
    local = week_posts["published_at"].dt.tz_convert(tz)
    keyed = week_posts.assign(weekday=local.dt.day_of_week, block=local.dt.hour // hours * hours)
    per_post = per_post_groups(keyed.groupby(["weekday", "block"])["engagement"])
    return {(int(day), int(block)): value for (day, block), value in per_post.items()}  # fmt: skip


def content_mix(week_posts: pd.DataFrame) -> dict[str, dict[str, tuple[int, float | None]]]:
    """company -> media type -> (posts, engagement per post over posts with known engagement)."""
    mix: dict[str, dict[str, tuple[int, float | None]]] = {}
    for (company, media), value in per_post_groups(
        week_posts.groupby(["company", "media_type"])["engagement"]
    ).items():
        mix.setdefault(company, {})[media] = value
    return mix  # fmt: skip


def per_post_groups(grouped) -> dict[tuple, tuple[int, float | None]]:
    """group -> (posts, engagement per post over the posts whose engagement is known)."""
    counts, known, total = grouped.size(), grouped.count(), grouped.sum(min_count=1)
    known, total = known.reindex(counts.index), total.reindex(counts.index)  # one order
    return {
        key: (int(n), float(s / k) if k else None)
        for key, n, k, s in zip(
            counts.index, counts.tolist(), known.tolist(), total.tolist(), strict=True
        )
    }


def top_hashtags(
    week_posts: pd.DataFrame, limit: int = TOP_HASHTAGS
) -> dict[str, list[tuple[str, int]]]:
    """company -> the most used hashtags (count, then alphabetical)."""
    result = {}
    for company, tags in week_posts.groupby("company")["hashtags"]:
        counter = Counter(tag for text in tags for tag in text.split())
        result[company] = sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return result  # fmt: skip


def top_posts(week_posts: pd.DataFrame, column: str, limit: int) -> list[PostSummary]:
    """The `limit` posts with the highest known `column` (earliest first on a tie)."""
    known = week_posts.dropna(subset=[column])
    ranked = known.sort_values([column, "published_at"], ascending=[False, True], kind="stable")
    return [summary(row) for row in ranked.head(limit).itertuples(index=False)]


def best_posts(week_posts: pd.DataFrame, per_company: int) -> list[PostSummary]:
    """Each company's `per_company` posts with the most engagement, best first overall."""
    known = week_posts.dropna(subset=["engagement"])
    ranked = known.sort_values(
        ["engagement", "published_at"], ascending=[False, True], kind="stable"
    )
    chosen = ranked.groupby("company", sort=False).head(per_company)
    return [summary(row) for row in chosen.itertuples(index=False)]


def breakouts(
    posts: pd.DataFrame, week_posts: pd.DataFrame, threshold: float, min_history: int,
    history: timedelta,
) -> list[PostSummary]:  # fmt: skip
    """Posts far above their account's own record: a robust z-score of log1p(engagement)
    against the same source's posts of the previous `history`, strongest first."""
    known = posts.dropna(subset=["engagement"])
    known_times = known["published_at"].array.asi8
    known_values = np.log1p(known["engagement"].to_numpy())
    records = known.groupby("source_id").indices  # positions in time order
    week = week_posts.dropna(subset=["engagement"])
    times, values = week["published_at"].array.asi8, np.log1p(week["engagement"].to_numpy())
    span = pd.Timedelta(history).value
    hits: list[tuple[int, float, float]] = []  # position in the week, z-score, usual engagement
    for source, positions in week.groupby("source_id", sort=False).indices.items():
        record = records[source]
        at = times[positions]
        record_times = known_times[record]
        first = np.searchsorted(record_times, at - span)
        end = np.searchsorted(record_times, at)
        scores = record_scores(
            values[positions], known_values[record], first, end, max(min_history, 1)
        )
        for position, (z, usual) in zip(positions, scores, strict=True):
            if z is not None and z >= threshold:
                hits.append((int(position), z, usual))  # type: ignore[arg-type]
    hits.sort()  # in time order, as the week's posts are: the order of equal scores
    rows = week.iloc[[position for position, _, _ in hits]].itertuples(index=False)
    found = [
        summary(row, z_score=z, median_engagement=usual)
        for row, (_, z, usual) in zip(rows, hits, strict=True)
    ]
    return sorted(found, key=lambda post: -(post.z_score or 0.0))


_MATRIX_CELLS = 1 << 20  # a block of records compared at once: 8 MB of floats


def record_scores(
    values: np.ndarray, record: np.ndarray, first: np.ndarray, end: np.ndarray, min_history: int
) -> list[tuple[float | None, float | None]]:
    """Per value, its robust z-score (see robust_z) against record[first:end] and that
    record's median engagement (expm1 of log1p): (None, None) with fewer than `min_history`
    earlier posts, or no spread at all.

    All of a source's posts at once: each post's record is a row of a matrix, sorted, so
    each median is a lookup, without a call per post."""
    lengths = end - first
    scores: list[tuple[float | None, float | None]] = [(None, None)] * len(values)
    rows = np.flatnonzero(lengths >= min_history)
    step = max(1, _MATRIX_CELLS // max(int(lengths.max(initial=1)), 1))
    for block in (rows[i : i + step] for i in range(0, len(rows), step)):
        n = lengths[block]
        columns = np.arange(n.max())
        inside = columns < n[:, None]
        cells = np.minimum(first[block, None] + columns, len(record) - 1)
        sorted_record = np.sort(np.where(inside, record[cells], np.inf), axis=1)
        median = _row_medians(sorted_record, n)
        spread = np.abs(sorted_record - median[:, None])
        mad = _row_medians(np.sort(np.where(inside, spread, np.inf), axis=1), n)
        mean_ad = np.where(inside, spread, 0.0).sum(axis=1) / n
        distance = values[block] - median
        usual = _row_medians(np.expm1(sorted_record), n)
        for k, row in enumerate(block):
            if mad[k] > 0:
                z = MAD_SCALE * distance[k] / mad[k]
            elif mean_ad[k] > 0:
                z = MEAN_AD_SCALE * distance[k] / mean_ad[k]
            else:
                continue  # no spread at all: no score
            scores[row] = (float(z), float(usual[k]))
    return scores


def _row_medians(sorted_rows: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The median of the first `counts[i]` values of each sorted row."""
    rows, middle = np.arange(len(counts)), counts // 2
    high = sorted_rows[rows, middle]
    low = sorted_rows[rows, np.maximum(middle - 1, 0)]
    return np.where(counts % 2 == 1, high, (low + high) / 2)


def robust_z(value: float, history: np.ndarray) -> float | None:
    """0.6745 x (value - median) / MAD. With a MAD of 0 (most past posts alike), the mean
    absolute deviation stands in (scaled 0.7979); with no spread at all, no score (None).
    One post's score, as record_scores gives every post of a source at once."""
    ends = np.array([0]), np.array([len(history)])
    return record_scores(np.array([float(value)]), np.asarray(history), *ends, 1)[0][0]


def summary(
    row, *, z_score: float | None = None, median_engagement: float | None = None
) -> PostSummary:
    return PostSummary(
        company=row.company,
        platform=row.platform,
        published_at=pd.Timestamp(row.published_at).to_pydatetime(),
        url=_text(row.url),
        title=_text(row.title),
        text=_text(row.text) or "",
        media_type=row.media_type,
        thumbnail_url=_text(row.thumbnail_url),
        likes=_count(row.likes),
        replies=_count(row.replies),
        reposts=_count(row.reposts),
        quotes=_count(row.quotes),
        views=_count(row.views),
        engagement=None if pd.isna(row.engagement) else float(row.engagement),
        engagement_rate=None if pd.isna(row.engagement_rate) else float(row.engagement_rate),
        z_score=z_score,
        median_engagement=median_engagement,
        post_id=None if pd.isna(row.post_id) else int(row.post_id),
    )  # fmt: skip


def _count(value) -> int | None:
    return None if pd.isna(value) else int(value)


def _text(value) -> str | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
