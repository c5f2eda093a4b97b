"""From the store's Rows to typed DataFrames, and the per-post and per-account basics."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import numpy as np
import pandas as pd

from monitor.links import NO_LINK, link_hash
from monitor.store import Rows
from monitor.store.records import COUNTERS, ENGAGEMENT_COUNTERS


def frame(rows: Rows | Iterable[Rows]) -> pd.DataFrame:
    """A DataFrame of a query's rows, read whole or in parts (each framed as it comes)."""
    return _joined([_one_frame(part) for part in _parts_of(rows)])


def _parts_of(rows: Rows | Iterable[Rows]) -> Iterable[Rows]:
    """A read in parts as it is; a whole read as its one part."""
    return [rows] if isinstance(rows, Rows) else rows


def _one_frame(rows: Rows) -> pd.DataFrame:
    return pd.DataFrame.from_records(rows.rows, columns=list(rows.columns))


def _joined(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The frames one after the other, with every column any of them has (empty where a
    frame lacks it): an empty part gives only its columns."""
    full = [f for f in frames if len(f)] or frames[:1]
    joined = full[0] if len(full) == 1 else pd.concat(full, ignore_index=True)
    missing = [c for c in dict.fromkeys(c for f in frames for c in f.columns) if c not in joined]
    return joined.assign(**dict.fromkeys(missing)) if missing else joined


def utc_times(values: pd.Series) -> pd.Series:
    # One unit everywhere (pandas may pick µs or ns): the breakout and trend code compare integers.
    return pd.to_datetime(values, utc=True).dt.as_unit("ns")


def posts_frame(
    rows: Rows | Iterable[Rows],
    companies: pd.Index,
    sources: pd.DataFrame,
    history: Iterable[Rows] = (),
) -> pd.DataFrame:
    """Own posts (reposts excluded) of the tracked companies, with engagement, sorted by time.

    engagement = likes + replies + reposts + quotes over the counters that are known;
    NaN when none is known (never 0 for unknown). Posts read without their company and
    platform get them from `sources` (every source, active or not). `history` holds the
    earlier weeks' posts in the parts read_post_history reads (no counters, engagement summed):
    they count in the trend and in each account's record, and a copy of a post is counted
    once across both.
    """
    week = [_week_part(part) for part in _parts_of(rows)]
    df = _joined(week + [_history_part(part) for part in history if part.rows])
    _own(df, sources)
    for column in ("title", "text", "thumbnail_url"):  # read later for the posts shown
        if column not in df:
            df[column] = None
    df["is_self"] = df["is_self"].astype(bool)
    df["hashtags"] = df["hashtags"].fillna("")
    df["media_type"] = df["media_type"].fillna("text")
    # The frame is copied once, at the end: a year of posts is most of a digest's memory.
    tracked = np.flatnonzero(df["company"].isin(companies).to_numpy())
    kept = tracked[_kept_once(df.iloc[tracked])]
    by_time = np.argsort(df["published_at"].array.asi8[kept], kind="stable")
    return df.take(kept[by_time]).reset_index(drop=True)


def _week_part(rows: Rows) -> pd.DataFrame:
    """One part of the posts read in full, typed, its reposts left out, with engagement."""
    df = _one_frame(rows)
    if df.empty:
        df = pd.DataFrame(columns=list(rows.columns) or _POST_COLUMNS)
    df = df[~df["is_repost"].astype(bool)].drop(columns="is_repost")
    for column in COUNTERS:
        df[column] = pd.to_numeric(df[column], errors="coerce").astype("float64")
    df["engagement"] = df[list(ENGAGEMENT_COUNTERS)].sum(axis=1, min_count=1)
    df["published_at"] = utc_times(df["published_at"])
    return df


def _history_part(rows: Rows) -> pd.DataFrame:
    """One part of read_post_history in typed columns: a few bytes a value, not a tuple's."""
    df = _one_frame(rows)
    df["engagement"] = pd.to_numeric(df["engagement"]).astype("float64")
    df["published_at"] = utc_times(df["published_at"])
    return df


def _own(df: pd.DataFrame, sources: pd.DataFrame) -> None:
    """Each post given its company, whether it is us, and its platform (in place)."""
    if "company" in df:
        return
    owners = sources.set_index(sources["source_id"].astype("int64"))
    ids = df["source_id"].astype("int64")
    for column in ("company", "is_self", "platform"):
        df[column] = ids.map(owners[column])


def once_per_company(df: pd.DataFrame) -> pd.DataFrame:
    """Each post of a company counted once, however many of its sources carried it.

    The same post is the same id on the same platform (a source whose address changed), or
    the same link (a newsroom read as a feed and as a page, a feed whose item ids change at
    every visit). Of the copies, the one with the most engagement known is kept.
    """
    return df.iloc[_kept_once(df)]


def _kept_once(df: pd.DataFrame) -> np.ndarray:
    """once_per_company's rows, as positions in `df`: those with a link, then the others,
    each from the most engagement to the least."""
    if df.empty:
        return np.arange(0)
    order = _by_engagement(df["engagement"])
    ranked = df[["company", "platform", "source_id", "external_id"]].iloc[order]
    keep = np.ones(len(order), dtype=bool)
    # Within one source an id is the store's key: a copy by id needs a second source of the
    # same company on the same platform, so only those posts are compared by id.
    shared = ranked.groupby(["company", "platform"])["source_id"].transform("nunique") > 1
    shared = shared.to_numpy()
    if shared.any():
        keep[shared] = ~ranked[shared].duplicated(["company", "platform", "external_id"])
    if "link_hash" in df:
        hashes = df["link_hash"].to_numpy()[order]
    else:  # read_posts (the alerts') keeps it out of the exports
        hashes = df["url"].map(link_hash).to_numpy()[order]
    linked = keep & (hashes != NO_LINK)
    with_link = pd.DataFrame({"company": ranked["company"].to_numpy()[linked],
                              "link_hash": hashes[linked]})  # fmt: skip
    first = ~with_link.duplicated().to_numpy()
    return np.concatenate([order[linked][first], order[keep & (hashes == NO_LINK)]])


def _by_engagement(engagement: pd.Series) -> np.ndarray:
    """Positions from the most engagement to the least, unknown last, ties in their order."""
    values = engagement.to_numpy(dtype="float64")
    return np.lexsort((np.arange(len(values)), -np.nan_to_num(values, nan=-np.inf)))


_POST_COLUMNS = [
    "post_id", "company", "is_self", "source_id", "platform", "source_label", "external_id",
    "url", "link_hash", "title", "text", "published_at", "media_type", "hashtags", "is_repost",
    "thumbnail_url", *COUNTERS, "counts_observed_at",
]  # fmt: skip


def accounts_frame(rows: Rows | Iterable[Rows]) -> pd.DataFrame:
    """Audience observations with a known follower count, sorted by time."""
    df = frame(rows)
    if df.empty:
        return pd.DataFrame(
            {
                "source_id": pd.Series(dtype="int64"),
                "observed_at": pd.Series(dtype="datetime64[ns, UTC]"),
                "followers": pd.Series(dtype="float64"),
            }
        )
    df["observed_at"] = utc_times(df["observed_at"])
    df["followers"] = pd.to_numeric(df["followers"], errors="coerce").astype("float64")
    df = df.dropna(subset=["followers"]).drop_duplicates(["source_id", "observed_at"])
    df["source_id"] = df["source_id"].astype("int64")
    return df.sort_values("observed_at", kind="stable").reset_index(drop=True)


def followers_at(accounts: pd.DataFrame, moment: datetime) -> pd.Series:
    """Per source, the follower count holding at `moment` (the last observation before it).

    A row is written only when a number changes, so that value holds until the next one.
    """
    before = accounts[accounts["observed_at"] < pd.Timestamp(moment)]
    return before.groupby("source_id")["followers"].last()


def followers_at_posting(posts: pd.DataFrame, accounts: pd.DataFrame) -> pd.Series:
    """Per post, the account's followers when it was posted: the observation holding then,
    else (no earlier one) the nearest later one. NaN where the account shows no followers."""
    if posts.empty or accounts.empty:
        return pd.Series(np.nan, index=posts.index, dtype="float64")
    left = posts[["published_at", "source_id"]].copy()
    left["source_id"] = left["source_id"].astype("int64")
    left["order"] = np.arange(len(left))
    left = left.sort_values("published_at", kind="stable")
    right = accounts[["observed_at", "source_id", "followers"]]
    kwargs = {"left_on": "published_at", "right_on": "observed_at", "by": "source_id"}
    back = pd.merge_asof(left, right, direction="backward", **kwargs)
    forward = pd.merge_asof(left, right, direction="forward", **kwargs)
    followers = back["followers"].fillna(forward["followers"]).to_numpy()
    result = np.empty(len(left))
    result[left["order"].to_numpy()] = followers
    return pd.Series(result, index=posts.index, dtype="float64")


def engagement_rate(posts: pd.DataFrame, accounts: pd.DataFrame) -> pd.Series:
    """Per post: engagement / followers at posting x 100. NaN where followers are unknown or 0."""
    followers = followers_at_posting(posts, accounts)
    return (posts["engagement"] / followers.where(followers > 0)) * 100


def sudden_drops(accounts: pd.DataFrame, start: datetime, end: datetime, pct: float) -> set[int]:
    """Sources whose follower count fell by at least `pct` % from one observation to the
    next, the later one inside [start, end): a purge that distorts rates."""
    df = accounts[accounts["observed_at"] < pd.Timestamp(end)]
    previous = df.groupby("source_id")["followers"].shift()
    fell = (previous - df["followers"]) / previous.where(previous > 0) * 100 >= pct
    in_week = df["observed_at"] >= pd.Timestamp(start)
    return set(df.loc[fell & in_week, "source_id"].astype(int))
