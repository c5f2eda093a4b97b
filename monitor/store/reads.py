"""Reading for the metrics and the export: plain rows, cheap to turn into DataFrames."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import datetime

from sqlalchemy import (
    CompoundSelect,
    Engine,
    Float,
    Select,
    and_,
    case,
    cast,
    false,
    func,
    select,
    type_coerce,
)
from sqlalchemy.types import NullType

from monitor.store import schema as s
from monitor.store.records import COUNTERS, ENGAGEMENT_COUNTERS, Rows

# Rows a part of a large read: as tuples, 50,000 posts are about 15 MB.
PART_ROWS = 50_000


class MetricsReads:
    engine: Engine

    def read_posts(
        self, since: datetime, until: datetime, companies: Collection[str] | None = None
    ) -> Rows:
        """Posts published in [since, until), with their company, platform and latest counts
        (of the named companies only, when `companies` is given)."""
        query = (
            select(
                s.posts.c.id.label("post_id"),
                s.companies.c.name.label("company"),
                s.companies.c.is_self,
                s.sources.c.id.label("source_id"),
                s.sources.c.kind.label("platform"),
                s.sources.c.label.label("source_label"),
                s.posts.c.external_id,
                s.posts.c.url,
                s.posts.c.title,
                s.posts.c.text,
                s.posts.c.published_at,
                s.posts.c.media_type,
                s.posts.c.hashtags,
                s.posts.c.is_repost,
                s.posts.c.thumbnail_url,
                *(s.posts.c[c] for c in COUNTERS),
                s.posts.c.counts_observed_at,
            )
            .select_from(s.posts.join(s.sources).join(s.companies))
            .where(s.posts.c.published_at >= since, s.posts.c.published_at < until)
        )
        if companies is not None:
            query = query.where(s.companies.c.name.in_(list(companies)))
        return self._rows(query)

    def read_post_figures(self, since: datetime, until: datetime) -> Iterator[Rows]:
        """What the metrics need of each post published in [since, until), read fast: no
        texts (read_post_texts, for the few posts shown), no company or platform (read_sources
        has them) and the publication time as the database holds it (naive UTC; a string on
        SQLite), for pandas to convert; in parts (_driver_parts)."""
        c = s.posts.c
        query = select(
            c.id.label("post_id"),
            c.source_id,
            c.external_id,
            c.url,
            c.link_hash,
            type_coerce(c.published_at, NullType()).label("published_at"),
            c.media_type,
            c.hashtags,
            c.is_repost,
            *(c[counter] for counter in COUNTERS),
        ).where(c.published_at >= since, c.published_at < until)
        return self._driver_parts(query)

    def read_post_history(self, since: datetime, until: datetime) -> Iterator[Rows]:
        """What the trend and each account's record need of the own posts (reposts left out)
        published in [since, until), in as few values as will do: the weeks before the two
        a digest compares are most of what it reads. The link only as its hash (a copy is
        the same hash). In parts (_driver_parts): as tuples, 90 days of 1,000 sources
        would be 130 MB at once.

        - `external_id` only where a copy can share it: a company with two sources on one
          platform (within one source an id is unique); None elsewhere.
        - `media_type` only where it is a video (our own video posts are counted).
        - `engagement`: the known counters summed (as floats: four counters near the largest
          integer must not overflow), None when none is known."""
        c, src = s.posts.c, s.sources.c
        counters = [c[name] for name in ENGAGEMENT_COUNTERS]
        known = ~and_(*(counter.is_(None) for counter in counters))
        total = sum(func.coalesce(cast(counter, Float), 0.0) for counter in counters)
        shared = (
            select(src.company_id, src.kind)
            .group_by(src.company_id, src.kind)
            .having(func.count() > 1)
            .subquery()
        )
        sharing = select(src.id).join(
            shared, (shared.c.company_id == src.company_id) & (shared.c.kind == src.kind)
        )
        query = select(
            c.source_id,
            case((c.source_id.in_(sharing), c.external_id), else_=None).label("external_id"),
            c.link_hash,
            type_coerce(c.published_at, NullType()).label("published_at"),
            case((c.media_type == "video", c.media_type), else_=None).label("media_type"),
            case((known, total), else_=None).label("engagement"),
        ).where(c.published_at >= since, c.published_at < until, c.is_repost == false())
        return self._driver_parts(query)

    def read_post_texts(self, post_ids: Collection[int]) -> dict[int, tuple[str | None, ...]]:
        """Title, text and thumbnail of the given posts, by post id."""
        c = s.posts.c
        found: dict[int, tuple[str | None, ...]] = {}
        ids = sorted(set(post_ids))
        with self.engine.connect() as connection:
            for start in range(0, len(ids), 500):  # SQLite allows only so many parameters
                query = select(c.id, c.title, c.text, c.thumbnail_url).where(
                    c.id.in_(ids[start : start + 500])
                )
                found.update({row[0]: tuple(row[1:]) for row in connection.execute(query)})
        return found

    def read_account_counts(self, since: datetime, until: datetime) -> Rows:
        """Audience observations in [since, until), plus the last one before `since` per source."""
        c = s.account_counts.c
        columns = (
            s.companies.c.name.label("company"),
            s.companies.c.is_self,
            c.source_id,
            s.sources.c.kind.label("platform"),
            c.observed_at,
            c.followers,
            c.following,
            c.posts_total,
        )
        base = select(*columns).select_from(s.account_counts.join(s.sources).join(s.companies))
        return self._rows(_with_last_before(base, since, until))

    def read_followers(self, since: datetime, until: datetime) -> Iterator[Rows]:
        """What the metrics use of the audience observations in [since, until), plus the last
        one before `since` per source: source, time (as stored) and followers."""
        c = s.account_counts.c
        observed = type_coerce(c.observed_at, NullType()).label("observed_at")
        base = select(c.source_id, observed, c.followers)
        return self._driver_parts(_with_last_before(base, since, until))

    def read_sources(self) -> Rows:
        """Every source with its state, schedule and first collection attempt (when tracking
        began)."""
        e = s.source_events.c
        first = (
            select(func.min(e.at))
            .where(e.source_id == s.sources.c.id)
            .scalar_subquery()
            .label("first_attempt_at")
        )
        query = select(
            s.sources.c.id.label("source_id"),
            s.companies.c.name.label("company"),
            s.companies.c.is_self,
            s.sources.c.kind.label("platform"),
            s.sources.c.target,
            s.sources.c.label,
            s.sources.c.active,
            s.sources.c.last_ok_at,
            s.sources.c.last_error_kind,
            s.sources.c.last_error_message,
            s.sources.c.consecutive_failures,
            s.sources.c.stale_reason,
            s.sources.c.interval_s,
            first,
        ).select_from(s.sources.join(s.companies))
        return self._rows(query)

    def read_source_events(self, since: datetime, until: datetime) -> Rows:
        e = s.source_events.c
        query = select(
            e.source_id, e.at, e.ok, e.error_kind, e.message, e.new_posts, e.updated_counts
        ).where(e.at >= since, e.at < until)
        return self._rows(query)

    def read_attempt_counts(self, since: datetime, until: datetime) -> Rows:
        """Collection attempts in [since, until), counted by source, outcome and error kind."""
        e = s.source_events.c
        query = (
            select(e.source_id, e.ok, e.error_kind, func.count().label("attempts"))
            .where(e.at >= since, e.at < until)
            .group_by(e.source_id, e.ok, e.error_kind)
        )
        return self._rows(query)

    def read_post_counts(self, since: datetime, until: datetime) -> Rows:
        """Counter observations of posts published in [since, until): the engagement history."""
        query = (
            select(
                s.post_counts.c.post_id,
                s.post_counts.c.observed_at,
                *(s.post_counts.c[c] for c in COUNTERS),
            )
            .select_from(s.post_counts.join(s.posts))
            .where(s.posts.c.published_at >= since, s.posts.c.published_at < until)
        )
        return self._rows(query)

    def _rows(self, query) -> Rows:
        with self.engine.connect() as connection:
            result = connection.execute(query)
            return Rows(tuple(result.keys()), [tuple(row) for row in result])

    def _driver_parts(self, query) -> Iterator[Rows]:
        """Rows as the database driver gives them, without SQLAlchemy's conversion of each
        value (a fifth of a large read): for queries whose columns need none (times passed
        through as stored, booleans as 0/1 on SQLite), which pandas converts.

        In parts of PART_ROWS, read as the caller takes them, for it to make each compact
        before the next is read; the first part comes even when empty, for its columns.
        (No stream_results: SQLAlchemy would buffer rows ahead, unseen by the cursor read
        here. SQLite steps its statement as it is fetched; PostgreSQL's client holds the
        result in C memory, a fraction of the tuples.)"""
        with self.engine.connect() as connection:
            result = connection.execute(query)
            columns = tuple(result.keys())
            part = result.cursor.fetchmany(PART_ROWS)
            yield Rows(columns, part)
            while part := result.cursor.fetchmany(PART_ROWS):
                yield Rows(columns, part)


def _with_last_before(base: Select, since: datetime, until: datetime) -> CompoundSelect:
    """The audience observations `base` selects in [since, until), and the last one before
    `since` of each source: the count that held when the range began."""
    c = s.account_counts.c
    before = (
        select(c.source_id, func.max(c.observed_at).label("at"))
        .where(c.observed_at < since)
        .group_by(c.source_id)
        .subquery()
    )
    in_range = base.where(c.observed_at >= since, c.observed_at < until)
    last_before = base.join(
        before, (before.c.source_id == c.source_id) & (before.c.at == c.observed_at)
    )
    return in_range.union_all(last_before)
