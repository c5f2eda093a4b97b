"""The store: every SQL statement of the program lives in this package.

SQLite (WAL, foreign keys on) by default, PostgreSQL by URL, with the same code.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, func, insert, select, text, update
from sqlalchemy.exc import DatabaseError, IntegrityError, OperationalError

from monitor.domain import Counts, Harvest, Post
from monitor.errors import StoreError
from monitor.store import schema as s
from monitor.store.schema import LATEST_VERSION, MIGRATIONS

COUNTERS = ("likes", "replies", "reposts", "quotes", "views")


@dataclass(frozen=True)
class Rows:
    """A query result as plain tuples: cheap to build a DataFrame from."""

    columns: tuple[str, ...]
    rows: list[tuple]


@dataclass(frozen=True)
class SourceRecord:
    id: int
    company: str
    is_self: bool
    kind: str
    target: str
    label: str | None
    active: bool
    remember: dict[str, Any]
    last_attempt_at: datetime | None
    last_ok_at: datetime | None
    last_error_kind: str | None
    last_error_message: str | None
    consecutive_failures: int
    unchanged_cycles: int
    stale_reason: str | None
    next_due_at: datetime | None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.target}"


@dataclass(frozen=True)
class HarvestResult:
    new_posts: int
    updated_counts: int


@dataclass(frozen=True)
class DeliveryRecord:
    week: str
    recipients: str
    status: str
    message_id: str | None
    path: str | None
    error: str | None
    refused: dict[str, str]
    attempts: int
    sent_at: datetime | None


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


class Store:
    """One database. Open it with `Store(url)`; it is created or upgraded on the spot."""

    def __init__(self, url: str):
        self.url = url
        try:
            self.engine = _engine(url)
            self._migrate()
        except (OperationalError, DatabaseError) as error:
            raise StoreError(
                f"cannot use the database {_safe(url)}: {_first_line(error)}"
            ) from None
        self.dialect = self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.engine.begin() as connection:
            yield connection

    # --- schema ---------------------------------------------------------------

    def _migrate(self) -> None:
        with self.engine.begin() as connection:
            version = self._version(connection)
            if version is None:
                s.metadata.create_all(connection)
                connection.execute(insert(s.schema_version).values(version=LATEST_VERSION))
                return
            if version > LATEST_VERSION:
                raise StoreError(
                    f"the database {_safe(self.url)} was written by a newer version of the monitor "
                    f"(schema {version}; this program knows up to {LATEST_VERSION}). "
                    "Upgrade the program, or point it at another database."
                )
            for step in MIGRATIONS[version - 1 :]:
                step(connection)
            if version < LATEST_VERSION:
                connection.execute(update(s.schema_version).values(version=LATEST_VERSION))

    @staticmethod
    def _version(connection: Connection) -> int | None:
        from sqlalchemy import inspect

        if not inspect(connection).has_table("schema_version"):
            return None
        return connection.execute(select(s.schema_version.c.version)).scalar_one_or_none()

    def schema_version(self) -> int:
        with self.engine.connect() as connection:
            return self._version(connection) or 0

    # --- config sync ------------------------------------------------------------

    def sync_config(
        self, companies: list[tuple[str, bool, list[tuple[str, str, str | None]]]]
    ) -> None:
        """Make the companies and sources match the configuration.

        `companies` is [(name, is_self, [(kind, target, label), …]), …]. A company whose
        name is new but whose sources match a company that left the file is a rename.
        Sources that left the file are marked inactive, never deleted: history stays.
        """
        with self.engine.begin() as connection:
            existing = {r.name: r for r in connection.execute(select(s.companies))}
            keys_by_company = self._source_keys_by_company(connection)
            wanted = {name for name, _, _ in companies}
            for name, is_self, source_list in companies:
                keys = {(kind, target) for kind, target, _ in source_list}
                if name in existing:
                    company_id = existing[name].id
                else:
                    company_id = self._renamed_company(existing, keys_by_company, wanted, keys)
                    if company_id is None:
                        company_id = connection.execute(
                            insert(s.companies).values(name=name, is_self=is_self, active=True)
                        ).inserted_primary_key[0]
                connection.execute(
                    update(s.companies)
                    .where(s.companies.c.id == company_id)
                    .values(name=name, is_self=is_self, active=True)
                )
                existing = {n: r for n, r in existing.items() if r.id != company_id}
                self._sync_sources(connection, company_id, source_list)
            for gone in existing.values():  # left the file: kept, with its history, inactive
                connection.execute(
                    update(s.companies).where(s.companies.c.id == gone.id).values(active=False)
                )
                connection.execute(
                    update(s.sources).where(s.sources.c.company_id == gone.id).values(active=False)
                )

    @staticmethod
    def _source_keys_by_company(connection: Connection) -> dict[int, set[tuple[str, str]]]:
        result: dict[int, set[tuple[str, str]]] = {}
        for row in connection.execute(
            select(s.sources.c.company_id, s.sources.c.kind, s.sources.c.target)
        ):
            result.setdefault(row.company_id, set()).add((row.kind, row.target))
        return result

    @staticmethod
    def _renamed_company(existing, keys_by_company, wanted, keys) -> int | None:
        for name, row in existing.items():
            if name not in wanted and keys & keys_by_company.get(row.id, set()):
                return row.id
        return None

    @staticmethod
    def _sync_sources(connection: Connection, company_id: int, source_list) -> None:
        rows = {
            (r.kind, r.target): r
            for r in connection.execute(
                select(s.sources).where(s.sources.c.company_id == company_id)
            )
        }
        for kind, target, label in source_list:
            if (kind, target) in rows:
                connection.execute(
                    update(s.sources)
                    .where(s.sources.c.id == rows.pop((kind, target)).id)
                    .values(label=label, active=True)
                )
            else:
                connection.execute(
                    insert(s.sources).values(
                        company_id=company_id, kind=kind, target=target, label=label, active=True
                    )
                )
        for row in rows.values():
            connection.execute(
                update(s.sources).where(s.sources.c.id == row.id).values(active=False)
            )

    # --- sources ------------------------------------------------------------------

    def sources(self, *, active_only: bool = True) -> list[SourceRecord]:
        query = (
            select(s.sources, s.companies.c.name.label("company"), s.companies.c.is_self)
            .join(s.companies)
            .order_by(s.companies.c.is_self.desc(), s.companies.c.name, s.sources.c.id)
        )
        if active_only:
            query = query.where(s.sources.c.active)
        with self.engine.connect() as connection:
            return [_source_record(row) for row in connection.execute(query)]

    def source(self, source_id: int) -> SourceRecord:
        return next(r for r in self.sources(active_only=False) if r.id == source_id)

    def due_sources(self, now: datetime) -> list[SourceRecord]:
        return [r for r in self.sources() if r.next_due_at is None or r.next_due_at <= now]

    def post_counts_by_source(self) -> dict[int, int]:
        query = select(s.posts.c.source_id, func.count()).group_by(s.posts.c.source_id)
        with self.engine.connect() as connection:
            return {source_id: count for source_id, count in connection.execute(query)}

    def publish_times(self, source_id: int, limit: int = 50) -> list[datetime]:
        """The newest publication times of a source's own posts, newest first."""
        query = (
            select(s.posts.c.published_at)
            .where(s.posts.c.source_id == source_id, ~s.posts.c.is_repost)
            .order_by(s.posts.c.published_at.desc())
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return list(connection.execute(query).scalars())

    # --- writing a harvest ----------------------------------------------------------

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
        posts = {p.external_id: p for p in harvest.posts}  # a platform may repeat an item
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
            _post_values(source_id, post, observed)
            for key, post in posts.items()
            if key not in existing
        ]
        if new_rows:
            connection.execute(insert(s.posts), new_rows)
            inserted = {
                row.external_id: row.id
                for row in connection.execute(
                    select(s.posts.c.id, s.posts.c.external_id).where(
                        s.posts.c.source_id == source_id,
                        s.posts.c.external_id.in_([r["external_id"] for r in new_rows]),
                    )
                )
            }
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

    # --- reading for metrics ------------------------------------------------------------

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
        ).select_from(s.sources.join(s.companies))
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

    # --- runs ---------------------------------------------------------------------------------

    def start_run(self, kind: str, at: datetime) -> int:
        with self.engine.begin() as connection:
            return connection.execute(
                insert(s.runs).values(kind=kind, started_at=at)
            ).inserted_primary_key[0]

    def finish_run(
        self, run_id: int, at: datetime, *, ok: int, failed: int, note: str | None = None
    ) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(s.runs)
                .where(s.runs.c.id == run_id)
                .values(finished_at=at, sources_ok=ok, sources_failed=failed, note=note)
            )

    # --- deliveries -----------------------------------------------------------------------------

    def claim_delivery(self, week: str, recipients: str, path: str, now: datetime) -> bool:
        """Take the right to send a week to a recipient list. False: it is sent or being sent.

        The unique (week, recipients) row and a conditional update make two racing
        processes agree: only one of them gets True.
        """
        d = s.deliveries.c
        with self.engine.begin() as connection:
            try:
                with connection.begin_nested():
                    connection.execute(
                        insert(s.deliveries).values(
                            week=week,
                            recipients=recipients,
                            status="sending",
                            path=path,
                            attempts=1,
                            created_at=now,
                            updated_at=now,
                        )
                    )
                return True
            except IntegrityError:
                pass  # a row exists: only a failed or pending delivery may be taken again
            claimed = connection.execute(
                update(s.deliveries)
                .where(
                    d.week == week, d.recipients == recipients, d.status.in_(("pending", "failed"))
                )
                .values(status="sending", path=path, attempts=d.attempts + 1, updated_at=now)
            )
            return claimed.rowcount == 1

    def force_delivery(self, week: str, recipients: str, path: str, now: datetime) -> None:
        """Take the right to send again, on purpose (`--force`)."""
        with self.engine.begin() as connection:
            d = s.deliveries.c
            done = connection.execute(
                update(s.deliveries)
                .where(d.week == week, d.recipients == recipients)
                .values(status="sending", path=path, attempts=d.attempts + 1, updated_at=now)
            )
            if done.rowcount == 0:
                connection.execute(
                    insert(s.deliveries).values(
                        week=week,
                        recipients=recipients,
                        status="sending",
                        path=path,
                        attempts=1,
                        created_at=now,
                        updated_at=now,
                    )
                )

    def finish_delivery(
        self,
        week: str,
        recipients: str,
        *,
        status: str,
        now: datetime,
        message_id: str | None = None,
        error: str | None = None,
        refused: dict[str, str] | None = None,
    ) -> None:
        d = s.deliveries.c
        with self.engine.begin() as connection:
            connection.execute(
                update(s.deliveries)
                .where(d.week == week, d.recipients == recipients)
                .values(
                    status=status,
                    message_id=message_id,
                    error=error,
                    refused=json.dumps(refused or {}),
                    updated_at=now,
                    sent_at=now if status in ("sent", "partial") else None,
                )
            )

    def record_pending_delivery(self, week: str, recipients: str, path: str, now: datetime) -> None:
        """A digest written to the outbox, waiting to be sent (kept if it already exists)."""
        with self.engine.begin() as connection:
            exists = connection.execute(
                select(s.deliveries.c.id).where(
                    s.deliveries.c.week == week, s.deliveries.c.recipients == recipients
                )
            ).first()
            if exists is None:
                connection.execute(
                    insert(s.deliveries).values(
                        week=week,
                        recipients=recipients,
                        status="pending",
                        path=path,
                        attempts=0,
                        created_at=now,
                        updated_at=now,
                    )
                )

    def deliveries(self, *, status: tuple[str, ...] | None = None) -> list[DeliveryRecord]:
        query = select(s.deliveries).order_by(s.deliveries.c.week.desc())
        if status:
            query = query.where(s.deliveries.c.status.in_(status))
        with self.engine.connect() as connection:
            return [_delivery_record(row) for row in connection.execute(query)]

    def delivery(self, week: str, recipients: str) -> DeliveryRecord | None:
        return next(
            (d for d in self.deliveries() if d.week == week and d.recipients == recipients), None
        )

    # --- one instance per database (PostgreSQL) -------------------------------------------------

    def try_advisory_lock(self, key: int) -> Connection | None:
        """Hold a session advisory lock on a connection of its own, or None if another has it.

        The lock lives as long as that connection: a crashed process leaves nothing behind.
        """
        connection = self.engine.connect()
        held = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
        got = bool(held.scalar())
        connection.commit()
        if not got:
            connection.close()
            return None
        return connection

    @staticmethod
    def release_advisory_lock(connection: Connection, key: int) -> None:
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
        connection.commit()
        connection.invalidate()  # never back to the pool with a session lock on it
        connection.close()


# --- helpers -------------------------------------------------------------------------------


def _counts(counts: Counts) -> dict[str, int | None]:
    return {c: getattr(counts, c) for c in COUNTERS}


def _post_values(source_id: int, post: Post, observed: datetime) -> dict[str, Any]:
    return {
        "source_id": source_id,
        "external_id": post.external_id[:500],
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


def _source_record(row: Any) -> SourceRecord:
    return SourceRecord(
        id=row.id,
        company=row.company,
        is_self=row.is_self,
        kind=row.kind,
        target=row.target,
        label=row.label,
        active=row.active,
        remember=json.loads(row.remember or "{}"),
        last_attempt_at=row.last_attempt_at,
        last_ok_at=row.last_ok_at,
        last_error_kind=row.last_error_kind,
        last_error_message=row.last_error_message,
        consecutive_failures=row.consecutive_failures,
        unchanged_cycles=row.unchanged_cycles,
        stale_reason=row.stale_reason,
        next_due_at=row.next_due_at,
    )


def _delivery_record(row: Any) -> DeliveryRecord:
    return DeliveryRecord(
        week=row.week,
        recipients=row.recipients,
        status=row.status,
        message_id=row.message_id,
        path=row.path,
        error=row.error,
        refused=json.loads(row.refused or "{}"),
        attempts=row.attempts,
        sent_at=row.sent_at,
    )


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    import re

    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def _first_line(error: Exception) -> str:
    text = str(getattr(error, "orig", None) or error)
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__
