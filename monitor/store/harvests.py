"""Writing what collection produced: harvests, failures. One transaction per harvest."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from monitor.domain import Counts, Harvest, Post
from monitor.store import schema as s
from monitor.store.mentions import write_mentions
from monitor.store.records import COUNTERS, HarvestResult

MAX_EXTERNAL_ID = 500  # the size of posts.external_id


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
        with self.engine.begin() as connection:
            new_posts, updated = 0, 0
            if not harvest.unchanged:
                new_posts, updated = self._write_posts(
                    connection, source_id, harvest, track_engagement_for
                )
                if harvest.account is not None:
                    self._write_account(connection, source_id, harvest)
                new_mentions, updated_mentions = write_mentions(
                    connection, source_id, harvest.mentions, harvest.observed_at
                )
                new_posts, updated = new_posts + new_mentions, updated + updated_mentions
            changed = bool(new_posts or updated)
            source = connection.execute(select(s.sources).where(s.sources.c.id == source_id)).one()
            remember = {**json.loads(source.remember or "{}"), **harvest.remember}
            connection.execute(
                update(s.sources)
                .where(s.sources.c.id == source_id)
                .values(
                    remember=json.dumps(remember, sort_keys=True),
                    last_attempt_at=harvest.observed_at,
                    last_ok_at=harvest.observed_at,
                    last_error_kind="stale" if stale_reason else None,
                    last_error_message=stale_reason,
                    consecutive_failures=0,
                    unchanged_cycles=0 if changed else source.unchanged_cycles + 1,
                    stale_reason=stale_reason,
                    next_due_at=next_due_at,
                )
            )
            connection.execute(
                insert(s.source_events).values(
                    source_id=source_id,
                    at=harvest.observed_at,
                    ok=True,
                    error_kind="stale" if stale_reason else None,
                    message="; ".join(
                        [*harvest.warnings, *([stale_reason] if stale_reason else [])]
                    )
                    or None,
                    new_posts=new_posts,
                    updated_counts=updated,
                )
            )
            return HarvestResult(new_posts, updated)

    def _write_posts(
        self, connection: Connection, source_id: int, harvest: Harvest, track_for: timedelta
    ) -> tuple[int, int]:
        posts = {_post_key(p.external_id): p for p in harvest.posts}  # items may repeat
        existing: dict[str, Any] = {}
        ids = list(posts)
        for start in range(0, len(ids), 500):
            query = select(s.posts).where(
                s.posts.c.source_id == source_id,
                s.posts.c.external_id.in_(ids[start : start + 500]),
            )
            existing.update({row.external_id: row for row in connection.execute(query)})
        observed = harvest.observed_at
        new_rows = [
            _post_values(source_id, key, post, observed)
            for key, post in posts.items()
            if key not in existing
        ]
        if new_rows:
            returning = insert(s.posts).returning(
                s.posts.c.id, s.posts.c.external_id, sort_by_parameter_order=True
            )
            inserted = {row.external_id: row.id for row in connection.execute(returning, new_rows)}
            connection.execute(
                insert(s.post_counts),
                [
                    {
                        "post_id": inserted[r["external_id"]],
                        "observed_at": observed,
                        **_counts(posts[r["external_id"]].counts),
                    }
                    for r in new_rows
                ],
            )
        updated = 0
        for key, row in existing.items():
            post = posts[key]
            if observed - row.published_at > track_for:
                continue  # past the tracking window: its figures are frozen
            counts = _counts(post.counts)
            if all(counts[c] == getattr(row, c) for c in COUNTERS):
                continue
            updated += 1
            connection.execute(
                insert(s.post_counts).values(post_id=row.id, observed_at=observed, **counts)
            )
            connection.execute(
                update(s.posts)
                .where(s.posts.c.id == row.id)
                .values(**counts, counts_observed_at=observed)
            )
        return len(new_rows), updated

    @staticmethod
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

    def record_failure(
        self, source_id: int, kind: str, message: str, *, at: datetime, next_due_at: datetime
    ) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(s.sources)
                .where(s.sources.c.id == source_id)
                .values(
                    last_attempt_at=at,
                    last_error_kind=kind,
                    last_error_message=message,
                    consecutive_failures=s.sources.c.consecutive_failures + 1,
                    next_due_at=next_due_at,
                )
            )
            connection.execute(
                insert(s.source_events).values(
                    source_id=source_id, at=at, ok=False, error_kind=kind, message=message
                )
            )


def _counts(counts: Counts) -> dict[str, int | None]:
    return {c: getattr(counts, c) for c in COUNTERS}


def _post_key(external_id: str) -> str:
    """The id as stored: a platform's id, or a digest of it when it is past the column's size."""
    if len(external_id) <= MAX_EXTERNAL_ID:
        return external_id
    return "sha256:" + hashlib.sha256(external_id.encode()).hexdigest()


def _post_values(source_id: int, key: str, post: Post, observed: datetime) -> dict[str, Any]:
    return {
        "source_id": source_id,
        "external_id": key,
        "url": post.url,
        "title": post.title,
        "text": post.text,
        "published_at": post.published_at,
        "published_estimated": post.published_estimated,
        "media_type": post.media_type,
        "hashtags": " ".join(sorted({h.lower().lstrip("#") for h in post.hashtags if h})),
        "is_repost": post.is_repost,
        "thumbnail_url": post.thumbnail_url,
        "first_seen_at": observed,
        "counts_observed_at": observed,
        **_counts(post.counts),
    }
