"""The store: every SQL statement of the program lives in this package.

SQLite (WAL, foreign keys on) by default, PostgreSQL by URL, with the same code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import DatabaseError, DataError, IntegrityError, OperationalError

from monitor.errors import DatabaseUnreachable, StoreError
from monitor.store import schema as s
from monitor.store.alerts import AlertStore
from monitor.store.chat import ChatStore
from monitor.store.config_sync import sync_config
from monitor.store.deliveries import Deliveries
from monitor.store.harvests import HarvestWriter
from monitor.store.mentions import MentionReads
from monitor.store.outcomes import OutcomeReads
from monitor.store.reads import MetricsReads
from monitor.store.records import (
    COUNTERS,
    DeliveryRecord,
    HarvestResult,
    Rows,
    SourceRecord,
    _source_record,
)
from monitor.store.schema import LATEST_VERSION, MIGRATIONS

# A source with its company's name and whether it is us.
_SOURCES = select(s.sources, s.companies.c.name.label("company"), s.companies.c.is_self).join(
    s.companies
)
# Built once: `monitor run` reads one source at every job, and building the query each time
# (and its cache key) cost more than running it.
_ONE_SOURCE = _SOURCES.where(s.sources.c.id == bindparam("source_id"))
_PUBLISH_TIMES = (
    select(s.posts.c.published_at)
    .where(s.posts.c.source_id == bindparam("source_id"), ~s.posts.c.is_repost)
    .order_by(s.posts.c.published_at.desc())
    .limit(bindparam("limit"))
)

__all__ = ["COUNTERS", "DeliveryRecord", "HarvestResult", "Rows", "SourceRecord", "Store"]


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for PostgreSQL and for an in-memory database."""
    if not url.startswith("sqlite"):
        return None
    path = url.split(":///", 1)[-1].split("?", 1)[0] if ":///" in url else ""
    return Path(path) if path and path != ":memory:" else None


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        if (path := sqlite_file(url)) is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # SQLite's default 2 MiB page cache is re-read from the file over and over when a
            # week's metrics walk the posts by time, a source's rows being far apart: 32 MiB
            # halve that read at 1,000 sources. Pages are cached only as they are read.
            cursor.execute("PRAGMA cache_size=-32768")
            cursor.close()
    else:
        engine = create_engine(url, pool_pre_ping=True)

    @event.listens_for(engine, "handle_error")
    def _plainly(context) -> None:
        # A database that fails under a running command (damaged pages, full disk, read-only
        # file, lost server) is one plain StoreError, not a SQLAlchemy traceback. Integrity
        # errors stay what they are: the store relies on them (claim_delivery). So do data
        # errors (a value that does not fit a column): the value is wrong, not the database.
        problem = context.sqlalchemy_exception
        if context.is_pre_ping or isinstance(problem, IntegrityError | DataError):
            return
        if context.connection is None and not url.startswith("sqlite"):
            # no connection at all: a server still starting, or down; worth waiting for
            raise DatabaseUnreachable(
                f"cannot reach the database {redact_password(url)}: "
                f"{_first_line(context.original_exception)}"
            ) from None
        if isinstance(problem, OperationalError | DatabaseError):
            raise _use_error(url, context.original_exception) from None

    return engine


# What the database's own words mean, for the message (SQLite's wording; PostgreSQL's own).
_REASONS = (
    ("malformed", "it is damaged; restore it from a backup, or point `database:` at a new file"),
    ("not a database", "it is damaged or is not a database file"),
    ("disk is full", "the disk is full; free some space and run again"),
    ("no space left", "the disk is full; free some space and run again"),
    ("readonly", "it is read-only for this program"),
    ("disk i/o error", "the disk failed to read or write it"),
    ("locked", "another program is holding it; try again in a moment"),
)


def _use_error(url: str, error: BaseException) -> StoreError:
    said = _first_line(error)
    reason = next((why for key, why in _REASONS if key in said.lower()), None)
    because = f"{reason} (the database said: {said})" if reason else said
    return StoreError(f"cannot use the database {redact_password(url)}: {because}")


def _no_database_yet(url: str) -> StoreError:
    where = sqlite_file(url) or redact_password(url)
    return StoreError(f"no database at {where} yet: run `monitor collect` first")


class Store(
    HarvestWriter, MetricsReads, MentionReads, OutcomeReads, Deliveries, AlertStore, ChatStore
):
    """One database. Open it with `Store(url)`; it is created or upgraded on the spot.

    `create=False` is for commands that only read: a database that does not exist yet is a
    StoreError (exit 2), never a new empty one that would look like "no data this week".
    """

    def __init__(self, url: str, *, create: bool = True):
        self.url = url
        if not create and (path := sqlite_file(url)) is not None and not path.exists():
            raise _no_database_yet(url)
        try:
            self.engine = _engine(url)
            self._migrate(create)
        except (OperationalError, DatabaseError) as error:
            raise _use_error(url, error) from None
        self.dialect = self.engine.dialect.name
        self._file = _file_identity(self.engine.url.database) if self.dialect == "sqlite" else None

    def check_same_file(self) -> None:
        """StoreError when the SQLite file was deleted or replaced since it was opened.

        Open connections would go on writing into the deleted file (or the old one), and
        every figure written from then on would be lost. PostgreSQL: nothing to check.
        """
        if self._file is None:
            return
        path, identity = self._file
        now = _file_identity(str(path))
        if now is None:
            raise StoreError(f"the database file {path} was deleted while the monitor was using it")
        if now[1] != identity:
            raise StoreError(
                f"the database file {path} was replaced while the monitor was using it"
            )

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

    def _migrate(self, create: bool = True) -> None:
        with self.engine.begin() as connection:
            version = self._version(connection)
            if version is None and not create:
                raise _no_database_yet(self.url)
            if version is None:
                s.metadata.create_all(connection)
                connection.execute(insert(s.schema_version).values(version=LATEST_VERSION))
                return
            if version > LATEST_VERSION:
                raise StoreError(
                    f"the database {redact_password(self.url)} was written by a newer version "
                    "of the monitor "
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

    def sync_config(self, companies: list[tuple[str, bool, list[tuple]]]) -> None:
        """Make the companies and sources match the configuration.

        `companies` is [(name, is_self, [(kind, target, label[, interval_s]), …]), …]: the
        interval, when given, is how often the source is scheduled. A company whose
        name is new but whose sources match a company that left the file is a rename.
        Sources that left the file are marked inactive, never deleted: history stays.
        """
        try:
            with self.engine.begin() as connection:
                sync_config(connection, companies)
        except (IntegrityError, OperationalError):
            # Another process synced the same configuration meanwhile (the job starting while
            # a health check runs `monitor status`): it inserted what this one was about to,
            # or, on SQLite, wrote after this one read. Once more, on what it wrote.
            with self.engine.begin() as connection:
                sync_config(connection, companies)

    # --- sources ------------------------------------------------------------------

    def sources(self, *, active_only: bool = True) -> list[SourceRecord]:
        query = _SOURCES.order_by(s.companies.c.is_self.desc(), s.companies.c.name, s.sources.c.id)
        if active_only:
            query = query.where(s.sources.c.active)
        with self.engine.connect() as connection:
            return [_source_record(row) for row in connection.execute(query)]

    def source(self, source_id: int) -> SourceRecord | None:
        """One source, active or not; None when there is no such source."""
        with self.engine.connect() as connection:
            row = connection.execute(_ONE_SOURCE, {"source_id": source_id}).first()
        return None if row is None else _source_record(row)

    def due_sources(self, now: datetime) -> list[SourceRecord]:
        return [r for r in self.sources() if r.next_due_at is None or r.next_due_at <= now]

    def post_counts_by_source(self) -> dict[int, int]:
        query = select(s.posts.c.source_id, func.count()).group_by(s.posts.c.source_id)
        with self.engine.connect() as connection:
            return {source_id: count for source_id, count in connection.execute(query)}

    def publish_times(self, source_id: int, limit: int = 50) -> list[datetime]:
        """The newest publication times of a source's own posts, newest first."""
        with self.engine.connect() as connection:
            given = {"source_id": source_id, "limit": limit}
            return list(connection.execute(_PUBLISH_TIMES, given).scalars())

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

    def last_run(self, kind: str) -> tuple[datetime, datetime | None, str | None] | None:
        """(started_at, finished_at, note) of the newest run of this kind, or None."""
        query = (
            select(s.runs.c.started_at, s.runs.c.finished_at, s.runs.c.note)
            .where(s.runs.c.kind == kind)
            .order_by(s.runs.c.id.desc())
            .limit(1)
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return None if row is None else (row.started_at, row.finished_at, row.note)

    def beat(self, run_id: int, at: datetime, note: str = "running") -> None:
        """The job's heartbeat: its run's finished_at is the last moment it was seen alive."""
        with self.engine.begin() as connection:
            connection.execute(
                update(s.runs).where(s.runs.c.id == run_id).values(finished_at=at, note=note)
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


def _file_identity(database: str | None) -> tuple[Path, tuple[int, int]] | None:
    """(path, (device, inode)) of a SQLite file; None for memory or a file not there."""
    if not database or database == ":memory:":
        return None
    path = Path(database).resolve()
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return path, (stat.st_dev, stat.st_ino)


def redact_password(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def _first_line(error: Exception) -> str:
    text = str(getattr(error, "orig", None) or error)
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__
