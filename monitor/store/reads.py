"""Reading for the metrics and the export: plain rows, cheap to turn into DataFrames."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, func, select

from monitor.store import schema as s
from monitor.store.records import COUNTERS, Rows


class MetricsReads:
    engine: Engine

    def read_posts(self, since: datetime, until: datetime) -> Rows:
        """Posts published in [since, until), with their company, platform and latest counts."""
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
        return self._rows(query)

    def read_account_counts(self, since: datetime, until: datetime) -> Rows:
        """Audience observations in [since, until), plus the last one before `since` per source."""
        c = s.account_counts.c
        before = (
            select(c.source_id, func.max(c.observed_at).label("at"))
            .where(c.observed_at < since)
            .group_by(c.source_id)
            .subquery()
        )
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
        in_range = base.where(c.observed_at >= since, c.observed_at < until)
        last_before = base.join(
            before, (before.c.source_id == c.source_id) & (before.c.at == c.observed_at)
        )
        return self._rows(in_range.union_all(last_before))

    def read_sources(self) -> Rows:
        """Every source with its state, schedule and first collection attempt (when tracking
        began)."""
        e = s.source_events.c
        first = (
            select(e.source_id, func.min(e.at).label("first_attempt_at"))
            .group_by(e.source_id)
            .subquery()
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
            first.c.first_attempt_at,
        ).select_from(
            s.sources.join(s.companies).outerjoin(first, first.c.source_id == s.sources.c.id)
        )
        return self._rows(query)

    def read_source_events(self, since: datetime, until: datetime) -> Rows:
        e = s.source_events.c
        query = select(
            e.source_id, e.at, e.ok, e.error_kind, e.message, e.new_posts, e.updated_counts
        ).where(e.at >= since, e.at < until)
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
