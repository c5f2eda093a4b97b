"""Data health per source for the week: attempts, failures by kind, staleness."""

from __future__ import annotations

import math
from datetime import datetime

import pandas as pd

from monitor.metrics.model import SourceHealth


def source_health(
    sources: pd.DataFrame,
    events: pd.DataFrame,
    start: datetime,
    end: datetime,
    as_of: datetime | None = None,
) -> list[SourceHealth]:
    """One entry per active source. A source that failed during the week, or was not read at
    all in it, is incomplete; only a source read without a problem is ok.

    `as_of` ends a week still in progress: the scheduled readings are counted up to it.
    """
    counts = attempt_counts(events, start, end)
    ok = counts["ok"].astype(bool)
    attempts = counts.groupby("source_id")["attempts"].sum()
    reads = counts[ok].groupby("source_id")["attempts"].sum()
    by_kind: dict[int, dict[str, int]] = {}
    failed = counts[~ok].assign(error_kind=counts["error_kind"].astype(object).fillna("unknown"))
    for (source_id, kind), count in (
        failed.groupby(["source_id", "error_kind"])["attempts"].sum().items()
    ):
        by_kind.setdefault(int(source_id), {})[str(kind)] = int(count)
    until = min(end, as_of) if as_of is not None else end
    result = []
    for row in sources.itertuples(index=False):
        failures = dict(sorted(by_kind.get(row.source_id, {}).items()))
        stale = _text(row.stale_reason)
        tried, read = int(attempts.get(row.source_id, 0)), int(reads.get(row.source_id, 0))
        never_read = not read and _time(getattr(row, "last_ok_at", None)) is None
        result.append(
            SourceHealth(
                company=row.company,
                platform=row.platform,
                label=_text(row.label),
                target=row.target,
                attempts=tried,
                failures=failures,
                last_error_kind=_text(row.last_error_kind),
                last_error_message=_text(row.last_error_message),
                stale_reason=stale,
                incomplete=bool(failures) or tried == 0,
                ok=tried > 0 and not failures and stale is None and not never_read,
                is_self=bool(row.is_self),
                reads=read,
                scheduled=_scheduled(row, start, until),
                never_read=never_read,
            )
        )
    return result  # fmt: skip


def attempt_counts(events: pd.DataFrame, start: datetime, end: datetime) -> pd.DataFrame:
    """Attempts in [start, end) by source, outcome and error kind. `events` are attempts
    one by one (with `at`), or already counted for that span (an `attempts` column: the
    store counts a week of 1,000 hourly sources faster than it reads 168,000 rows)."""
    columns = ["source_id", "ok", "error_kind", "attempts"]
    if "attempts" in events:
        return events[columns]
    if not len(events):
        return pd.DataFrame(columns=columns).astype({"attempts": int})
    week = events[(events["at"] >= start) & (events["at"] < end)]
    grouped = week.groupby(["source_id", "ok", "error_kind"], dropna=False).size()
    return grouped.rename("attempts").reset_index()


def _scheduled(row, start: datetime, until: datetime) -> int | None:
    """How many times the source was due in [start, until): from when tracking began (its
    first attempt) at its configured interval. None when the interval is not known."""
    interval_s = getattr(row, "interval_s", None)
    if interval_s is None or pd.isna(interval_s) or interval_s <= 0:
        return None
    began = _time(getattr(row, "first_attempt_at", None))
    since = max(start, began) if began is not None else start
    seconds = (pd.Timestamp(until) - pd.Timestamp(since)).total_seconds()
    return max(0, math.ceil(seconds / float(interval_s) - 0.05)) if seconds > 0 else 0


def _time(value) -> pd.Timestamp | None:
    if value is None or pd.isna(value):
        return None
    stamp = pd.Timestamp(value)
    return stamp if stamp.tzinfo else stamp.tz_localize("UTC")


def _text(value) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def notes_for(
    sources: pd.DataFrame, health: list[SourceHealth], followers: set[int], week_posts: pd.DataFrame
) -> dict[tuple[str, str | None], tuple[str, ...]]:
    """Plain words about missing data, per (company, platform) and per (company, None)."""
    engaged = week_posts.groupby("source_id")["engagement"].count()
    posted = week_posts.groupby("source_id").size()
    notes: dict[tuple[str, str | None], list[str]] = {}
    for row, state in zip(sources.itertuples(index=False), health, strict=True):
        said = []
        if row.source_id not in followers:
            said.append(f"no follower count on {row.platform}")
        if posted.get(row.source_id, 0) and not engaged.get(row.source_id, 0):
            said.append(f"no engagement counters on {row.platform}")
        if state.failures:
            kinds = ", ".join(sorted(state.failures))
            said.append(
                f"the {row.platform} source failed during the week ({kinds}); figures may be low"
            )
        if not state.attempts:
            said.append(
                f"the {row.platform} source was not collected this week; figures may be low"
            )
        if state.stale_reason:
            said.append(f"the {row.platform} source looks stale: {state.stale_reason}")
        for key in ((row.company, row.platform), (row.company, None)):
            bucket = notes.setdefault(key, [])
            bucket.extend(note for note in said if note not in bucket)
    return {key: tuple(value) for key, value in notes.items()}  # fmt: skip
