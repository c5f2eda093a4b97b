"""Writing what collection produced: harvests and failures, many in one transaction.

A batch is written in one transaction, so a crash leaves each harvest in it whole or absent.
Statements are per batch, not per harvest: one read of the posts already known, one insert
of the new ones, one of their counters, one update of the sources, one insert of the events.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, bindparam, case, insert, select, update

from monitor.domain import Counts, Harvest, Post
from monitor.links import link_hash
from monitor.store import schema as s
from monitor.store.bulk import insert_rows, rows_matching, update_rows
from monitor.store.mentions import write_mentions
from monitor.store.outcomes import write_outcomes
from monitor.store.records import COUNTERS, HarvestResult

MAX_EXTERNAL_ID = 500  # the size of posts.external_id


@dataclass(frozen=True)
class HarvestWrite:
    """One harvest to write, with what the caller already knows of its source."""

    source_id: int
    harvest: Harvest
    next_due_at: datetime
    stale_reason: str | None = None
    remembered: dict[str, Any] = field(default_factory=dict)  # the source's stored `remember`


@dataclass(frozen=True)
class FailureWrite:
    """One failed collection to record."""

    source_id: int
    kind: str
    message: str
    at: datetime
    next_due_at: datetime


Write = HarvestWrite | FailureWrite


class HarvestWriter:
    engine: Engine

    def save_harvest(
        self,
        source_id: int,
        harvest: Harvest,
        *,
        track_engagement_for: timedelta,
        next_due_at: datetime,
        stale_reason: str | None = None,
    ) -> HarvestResult:
        """Write one harvest in one transaction. Writing the same harvest twice changes nothing."""
        with self.engine.connect() as connection:
            stored = connection.execute(
                select(s.sources.c.remember).where(s.sources.c.id == source_id)
            ).scalar_one()
        write = HarvestWrite(
            source_id, harvest, next_due_at, stale_reason, json.loads(stored or "{}")
        )
        result = self.write_batch([write], track_engagement_for=track_engagement_for)[0]
        assert result is not None
        return result

    def record_failure(
        self, source_id: int, kind: str, message: str, *, at: datetime, next_due_at: datetime
    ) -> None:
        write = FailureWrite(source_id, kind, message, at, next_due_at)
        self.write_batch([write], track_engagement_for=timedelta(0))

    def write_batch(
        self, writes: Sequence[Write], *, track_engagement_for: timedelta
    ) -> list[HarvestResult | None]:
        """Write harvests and failures (each source at most once) in one transaction.

        The result of each: a HarvestResult for a harvest, None for a failure.
        """
        harvests = [w for w in writes if isinstance(w, HarvestWrite)]
        failures = [w for w in writes if isinstance(w, FailureWrite)]
        with self.engine.begin() as connection:
            counted = _write_posts(connection, harvests, track_engagement_for)
            results: dict[int, HarvestResult] = {}
            for write in harvests:
                new, updated = counted.get(write.source_id, (0, 0))
                if not write.harvest.unchanged:
                    if write.harvest.account is not None:
                        _write_account(connection, write.source_id, write.harvest)
                    new_mentions, updated_mentions = write_mentions(
                        connection,
                        write.source_id,
                        write.harvest.mentions,
                        write.harvest.observed_at,
                    )
                    new_weeks, corrected = write_outcomes(
                        connection,
                        write.source_id,
                        write.harvest.outcomes,
                        write.harvest.observed_at,
                    )
                    new = new + new_mentions + new_weeks
                    updated = updated + updated_mentions + corrected
                results[write.source_id] = HarvestResult(new, updated)
            _update_sources(connection, harvests, results)
            _record_failures(connection, failures)
            _insert_events(connection, writes, results)
        return [results.get(w.source_id) if isinstance(w, HarvestWrite) else None for w in writes]


# --- posts ------------------------------------------------------------------------------------

# The columns of the rows handed to the driver (bulk.py), in the order the rows give them.
_POST_COLUMNS = (
    "source_id", "external_id", "url", "link_hash", "title", "text", "published_at",
    "published_estimated", "media_type", "hashtags", "is_repost", "thumbnail_url",
    "first_seen_at", "counts_observed_at", *COUNTERS,
)  # fmt: skip
_COUNT_COLUMNS = ("post_id", "observed_at", *COUNTERS)
_COUNTERS_OF = attrgetter(*COUNTERS)  # a Counts' figures as a tuple, in the order of COUNTERS
_EVENT_COLUMNS = (
    "source_id", "at", "ok", "error_kind", "message", "new_posts", "updated_counts"
)  # fmt: skip
# The statements of every write, built once (a job's write is one source: building them and
# their cache keys each time cost more than running them).
_AFTER_HARVEST = (
    update(s.sources)
    .where(s.sources.c.id == bindparam("b_id"))
    .values(
        remember=bindparam("b_remember"),
        last_attempt_at=bindparam("b_at"),
        last_ok_at=bindparam("b_at"),
        last_error_kind=bindparam("b_error_kind"),
        last_error_message=bindparam("b_stale"),
        consecutive_failures=0,
        # counted in the database: no read of the source row is needed
        unchanged_cycles=case((bindparam("b_changed"), 0), else_=s.sources.c.unchanged_cycles + 1),
        stale_reason=bindparam("b_stale"),
        next_due_at=bindparam("b_next"),
    )
)
_AFTER_FAILURE = (
    update(s.sources)
    .where(s.sources.c.id == bindparam("b_id"))
    .values(
        last_attempt_at=bindparam("b_at"),
        last_error_kind=bindparam("b_kind"),
        last_error_message=bindparam("b_message"),
        consecutive_failures=s.sources.c.consecutive_failures + 1,
        next_due_at=bindparam("b_next"),
    )
)


def _write_posts(
    connection: Connection, writes: list[HarvestWrite], track_for: timedelta
) -> dict[int, tuple[int, int]]:
    """New posts inserted and changed counters recorded; (new, updated) per source."""
    wanted: dict[tuple[int, str], tuple[Post, datetime]] = {}
    for write in writes:
        if write.harvest.unchanged:
            continue
        for post in write.harvest.posts:  # items may repeat: the last one counts
            wanted[(write.source_id, _post_key(post.external_id))] = (
                post,
                write.harvest.observed_at,
            )
    known = _known_posts(connection, list(wanted))
    result: dict[int, list[int]] = {}
    new_rows = [
        _post_values(source_id, key, post, observed)
        for (source_id, key), (post, observed) in wanted.items()
        if (source_id, key) not in known
    ]
    counts_rows: list[tuple[Any, ...]] = []
    returned = ("id", "source_id", "external_id")
    for post_id, source_id, key in insert_rows(
        connection, s.posts, _POST_COLUMNS, new_rows, returning=returned
    ):
        post, observed = wanted[(source_id, key)]
        counts_rows.append((post_id, observed, *_counts(post.counts)))
        result.setdefault(source_id, [0, 0])[0] += 1
    changed_rows: list[tuple[Any, ...]] = []
    for pair, row in known.items():
        post, observed = wanted[pair]
        if observed - row.published_at > track_for:
            continue  # past the tracking window: its figures are frozen
        counts = _counts(post.counts)
        if counts == row.counts:
            continue
        result.setdefault(row.source_id, [0, 0])[1] += 1
        counts_rows.append((row.id, observed, *counts))
        changed_rows.append((observed, *counts, row.id))
    insert_rows(connection, s.post_counts, _COUNT_COLUMNS, counts_rows)
    update_rows(connection, s.posts, ("counts_observed_at", *COUNTERS), changed_rows)
    return {source_id: (new, updated) for source_id, (new, updated) in result.items()}


class _Known(NamedTuple):
    """A post already stored: what its next harvest is compared with."""

    id: int
    source_id: int
    external_id: str
    published_at: datetime
    counts: tuple[int | None, ...]  # as in COUNTERS


def _known_posts(
    connection: Connection, pairs: list[tuple[int, str]]
) -> dict[tuple[int, str], _Known]:
    keys = ("source_id", "external_id")
    columns = ("id", *keys, "published_at", *COUNTERS)
    return {
        (row[1], row[2]): _Known(*row[:4], row[4:])
        for row in rows_matching(connection, s.posts, keys, pairs, columns)
    }


def _write_account(connection: Connection, source_id: int, harvest: Harvest) -> None:
    account = harvest.account
    values = {
        "followers": account.followers,
        "following": account.following,
        "posts_total": account.posts_total,
    }
    last = connection.execute(
        select(s.account_counts)
        .where(s.account_counts.c.source_id == source_id)
        .order_by(s.account_counts.c.observed_at.desc())
        .limit(1)
    ).first()
    if last is not None and all(getattr(last, k) == v for k, v in values.items()):
        return
    connection.execute(
        insert(s.account_counts).values(
            source_id=source_id, observed_at=harvest.observed_at, **values
        )
    )


# --- sources and events -------------------------------------------------------------------------


def _update_sources(
    connection: Connection, writes: list[HarvestWrite], results: dict[int, HarvestResult]
) -> None:
    if not writes:
        return
    rows = []
    for w in writes:
        result = results[w.source_id]
        remember = {**w.remembered, **w.harvest.remember}
        rows.append(
            {
                "b_id": w.source_id,
                "b_remember": json.dumps(remember, sort_keys=True),
                "b_at": w.harvest.observed_at,
                "b_error_kind": "stale" if w.stale_reason else None,
                "b_stale": w.stale_reason,
                "b_changed": bool(result.new_posts or result.updated_counts),
                "b_next": w.next_due_at,
            }
        )
    connection.execute(_AFTER_HARVEST, rows)


def _record_failures(connection: Connection, failures: list[FailureWrite]) -> None:
    if not failures:
        return
    rows = [
        {
            "b_id": f.source_id,
            "b_at": f.at,
            "b_kind": f.kind,
            "b_message": f.message,
            "b_next": f.next_due_at,
        }
        for f in failures
    ]
    connection.execute(_AFTER_FAILURE, rows)


def _insert_events(
    connection: Connection, writes: Sequence[Write], results: dict[int, HarvestResult]
) -> None:
    rows = []
    for w in writes:
        if isinstance(w, FailureWrite):
            rows.append(_event(w.source_id, w.at, False, w.kind, w.message, 0, 0))
            continue
        result = results[w.source_id]
        notes = [*w.harvest.warnings, *([w.stale_reason] if w.stale_reason else [])]
        kind = "stale" if w.stale_reason else None
        message = "; ".join(notes) or None
        at = w.harvest.observed_at
        rows.append(
            _event(w.source_id, at, True, kind, message, result.new_posts, result.updated_counts)
        )
    insert_rows(connection, s.source_events, _EVENT_COLUMNS, rows)


def _event(source_id, at, ok, kind, message, new_posts, updated) -> tuple[Any, ...]:
    return (source_id, at, ok, kind, message, new_posts, updated)  # as in _EVENT_COLUMNS


def _counts(counts: Counts) -> tuple[int | None, ...]:
    return _COUNTERS_OF(counts)


def _post_key(external_id: str) -> str:
    """The id as stored: a platform's id, or a digest of it when it is past the column's size."""
    if len(external_id) <= MAX_EXTERNAL_ID:
        return external_id
    return "sha256:" + hashlib.sha256(external_id.encode()).hexdigest()


def _post_values(source_id: int, key: str, post: Post, observed: datetime) -> tuple[Any, ...]:
    hashtags = " ".join(sorted({h.lower().lstrip("#") for h in post.hashtags if h}))
    return (  # as in _POST_COLUMNS
        source_id, key, post.url, link_hash(post.url), post.title, post.text, post.published_at,
        post.published_estimated, post.media_type, hashtags, post.is_repost, post.thumbnail_url,
        observed, observed, *_COUNTERS_OF(post.counts),
    )  # fmt: skip
