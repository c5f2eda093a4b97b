"""The database schema and its versioned migrations (SQLAlchemy Core, SQLite and PostgreSQL).

A fresh database is created from the current tables and stamped with the latest version.
An existing database is upgraded step by step: each migration turns version N-1 into N.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
    text,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.types import DateTime, TypeDecorator

from monitor.domain import NAME_MAX_CHARS, TARGET_MAX_CHARS
from monitor.links import link_hash


class _SqliteText(sqlite.DATETIME):
    """SQLite's DATETIME column, handed its text already written by UtcDateTime."""

    def bind_processor(self, dialect):
        return None


class UtcDateTime(TypeDecorator):
    """Aware UTC datetimes in Python, naive UTC in the database (same on SQLite and PostgreSQL)."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(_SqliteText())
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | str | None:
        if value is None:
            return None
        if value.tzinfo is not UTC:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to the store; times must be timezone-aware")
            value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            # The text SQLAlchemy's DATETIME writes ("2026-11-20 09:30:00.000000"), in one C
            # call: its own formatting cost a quarter of writing a harvest's posts. The
            # "+00:00" is cut off rather than the zone taken off first (a copy of the value).
            return value.isoformat(" ", "microseconds")[: -len("+00:00")]
        return value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


metadata = MetaData()
Count = BigInteger  # view counts pass 2**31

schema_version = Table("schema_version", metadata, Column("version", Integer, nullable=False))

companies = Table(
    "companies",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(NAME_MAX_CHARS), nullable=False, unique=True),
    Column("is_self", Boolean, nullable=False, default=False),
    Column("active", Boolean, nullable=False, default=True),
)

sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("company_id", ForeignKey("companies.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("target", String(TARGET_MAX_CHARS), nullable=False),
    Column("label", String(NAME_MAX_CHARS)),
    Column("active", Boolean, nullable=False, default=True),
    Column("remember", Text, nullable=False, default="{}"),  # collector state, JSON
    Column("last_attempt_at", UtcDateTime),
    Column("last_ok_at", UtcDateTime),
    Column("last_error_kind", String(30)),
    Column("last_error_message", Text),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("unchanged_cycles", Integer, nullable=False, default=0),
    Column("stale_reason", Text),  # set while the source looks frozen
    Column("next_due_at", UtcDateTime),
    Column("interval_s", Integer),  # how often it is scheduled, from the configuration
    UniqueConstraint("company_id", "kind", "target"),
)

posts = Table(
    "posts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", ForeignKey("sources.id"), nullable=False),
    Column("external_id", String(500), nullable=False),
    Column("url", Text),
    Column("title", Text),
    Column("text", Text, nullable=False, default=""),
    Column("published_at", UtcDateTime, nullable=False),
    Column("published_estimated", Boolean, nullable=False, default=False),
    Column("media_type", String(20), nullable=False),
    Column("hashtags", Text, nullable=False, default=""),  # space-separated, lower case
    Column("is_repost", Boolean, nullable=False, default=False),
    Column("thumbnail_url", Text),
    Column("first_seen_at", UtcDateTime, nullable=False),
    # The latest observed counters, kept here so a week's metrics need no scan of history.
    Column("likes", Count),
    Column("replies", Count),
    Column("reposts", Count),
    Column("quotes", Count),
    Column("views", Count),
    Column("counts_observed_at", UtcDateTime),
    # links.link_hash of url: copies of a post are found by comparing integers (metrics)
    Column("link_hash", BigInteger, nullable=False, default=0, server_default="0"),
    UniqueConstraint("source_id", "external_id"),
    Index("ix_posts_published_at", "published_at"),
)

post_counts = Table(
    "post_counts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("post_id", ForeignKey("posts.id"), nullable=False),
    Column("observed_at", UtcDateTime, nullable=False),
    Column("likes", Count),
    Column("replies", Count),
    Column("reposts", Count),
    Column("quotes", Count),
    Column("views", Count),
    Index("ix_post_counts_post", "post_id", "observed_at"),
)

account_counts = Table(
    "account_counts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", ForeignKey("sources.id"), nullable=False),
    Column("observed_at", UtcDateTime, nullable=False),
    Column("followers", Count),
    Column("following", Count),
    Column("posts_total", Count),
    Index("ix_account_counts_source", "source_id", "observed_at"),
)

# One row per collection attempt of a source: the data-health history.
source_events = Table(
    "source_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", ForeignKey("sources.id"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("error_kind", String(30)),
    Column("message", Text),
    Column("new_posts", Integer, nullable=False, default=0),
    Column("updated_counts", Integer, nullable=False, default=0),
    Index("ix_source_events_at", "at"),
    Index("ix_source_events_source", "source_id", "at"),  # a source's first attempt: one seek
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True),
    # collect | report | job; a job's finished_at is its last heartbeat while note = "running"
    Column("kind", String(20), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("sources_ok", Integer),
    Column("sources_failed", Integer),
    Column("note", Text),
)

# What others published naming a company, once per company and address, from the first
# source that saw it; the counters are the latest seen.
mentions = Table(
    "mentions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("company_id", ForeignKey("companies.id"), nullable=False),
    Column("source_id", ForeignKey("sources.id"), nullable=False),  # the first to see it
    Column("url_key", String(64), nullable=False),  # sha256 of the address: fits any index
    Column("url", Text, nullable=False),
    Column("external_id", String(500), nullable=False),
    Column("published_at", UtcDateTime, nullable=False),
    Column("title", Text),
    Column("text", Text, nullable=False, default=""),
    Column("author", String(300)),
    Column("likes", Count),
    Column("replies", Count),
    Column("reposts", Count),
    Column("quotes", Count),
    Column("views", Count),
    Column("first_seen_at", UtcDateTime, nullable=False),
    Column("counts_observed_at", UtcDateTime, nullable=False),
    UniqueConstraint("company_id", "url_key"),
    Index("ix_mentions_published_at", "published_at"),
)

# Our own results per ISO week, as each outcome source last gave them; a week read again with
# other figures is corrected in place (changed_at says when).
outcomes = Table(
    "outcomes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", ForeignKey("sources.id"), nullable=False),
    Column("week", String(10), nullable=False),  # ISO week, 2026-W47
    Column("visits_from_social", Count),
    Column("signups", Count),
    Column("orders", Count),
    Column("revenue", Float),
    Column("spend", Float),
    Column("currency", String(3)),
    Column("first_seen_at", UtcDateTime, nullable=False),
    Column("observed_at", UtcDateTime, nullable=False),  # the last time the source gave it
    Column("changed_at", UtcDateTime, nullable=False),  # the last time a figure changed
    UniqueConstraint("source_id", "week"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("week", String(10), nullable=False),  # ISO week, 2026-W47
    Column("recipients", Text, nullable=False),  # sorted, comma-separated
    # The identity, with the week: sha256 of `recipients` (200 addresses overflow a btree row).
    Column("recipients_hash", String(64), nullable=False),
    Column("status", String(10), nullable=False),  # pending|sending|sent|partial|failed|outbox
    Column("message_id", String(300)),
    Column("path", Text),  # the .eml in the outbox
    Column("error", Text),
    Column("refused", Text),  # JSON: recipient -> the server's words
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    Index("ux_deliveries_week_recipients", "week", "recipients_hash", unique=True),
)

# Alerts between digests: one row per thing worth telling, identified by `key` (a hash of
# what it is about), so a restart or a second look never tells it twice.
alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(64), nullable=False, unique=True),  # sha256 of the alert's identity
    Column("kind", String(30), nullable=False),
    Column("company", String(NAME_MAX_CHARS), nullable=False),
    # pending (waiting: quiet hours) | sending | sent | suppressed (cooldown) | capped (weekly
    # cap) | expired (waited too long) | failed (no channel took it) | unsent (no channel)
    Column("status", String(12), nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("url", Text),
    Column("numbers", Text, nullable=False, default="{}"),  # JSON: the figures it states
    Column("detected_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    Column("channels", Text),  # where it went: "email, chat marketing"
    Column("error", Text),
    Index("ix_alerts_company_kind", "company", "kind", "sent_at"),
)

# Fleet mode (PostgreSQL, `monitor worker`): the nodes, each host's turn, the fleet's schedule.
nodes = Table(
    "nodes",
    metadata,
    Column("name", String(200), primary_key=True),  # host-pid, or --name: a restart is the same
    Column("hostname", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("queues", String(100), nullable=False),  # what it takes: collect, control or both
    Column("started_at", UtcDateTime, nullable=False),
    Column("last_heartbeat_at", UtcDateTime, nullable=False),
    Column("heartbeat_every_s", Integer, nullable=False),
    Column("doing", Text, nullable=False, default="starting"),
    Column("stopped_at", UtcDateTime),
)

# Whose turn it is at a host (host:port), for the whole fleet, timed by the database's clock:
# one request at a time (`holder`, a lease that ends at `busy_until` if its node dies), and
# the next one not before `next_start_at` (the previous one's end + the per-host interval).
host_turns = Table(
    "host_turns",
    metadata,
    Column("host", String(300), primary_key=True),
    Column("holder", String(250)),
    Column("busy_until", DateTime(timezone=True)),
    Column("next_start_at", DateTime(timezone=True)),
)

# The fleet's own timetable: when the digest (or the retry of deliveries) is next due.
fleet_schedule = Table(
    "fleet_schedule",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("next_at", UtcDateTime, nullable=False),
)

# Each chat channel's health (the last outcome, failures in a row) and the last week whose
# verdict it got, so a restart never posts a week twice.
chat_channels = Table(
    "chat_channels",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False, unique=True),
    Column("last_attempt_at", UtcDateTime),
    Column("last_ok_at", UtcDateTime),
    Column("last_error", Text),  # masked: never a token
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("weekly_week", String(10)),
)


# --- migrations ----------------------------------------------------------------


def _v2_source_health(connection: Connection) -> None:
    """v2: a history of collection attempts, and staleness on sources."""
    source_events.create(connection, checkfirst=True)
    existing = {c["name"] for c in inspect(connection).get_columns("sources")}
    for name, ddl in (("unchanged_cycles", "INTEGER NOT NULL DEFAULT 0"), ("stale_reason", "TEXT")):
        if name not in existing:
            connection.execute(text(f"ALTER TABLE sources ADD COLUMN {name} {ddl}"))


def _v3_source_interval(connection: Connection) -> None:
    """v3: each source's scheduled interval, so data health can say "read N of M times"."""
    existing = {c["name"] for c in inspect(connection).get_columns("sources")}
    if "interval_s" not in existing:
        connection.execute(text("ALTER TABLE sources ADD COLUMN interval_s INTEGER"))


def recipients_hash(recipients: str) -> str:
    return hashlib.sha256(recipients.encode("utf-8")).hexdigest()


def _v4_delivery_identity(connection: Connection) -> None:
    """v4: deliveries are identified by (week, a hash of the recipient list): on PostgreSQL a
    unique index on the list itself cannot hold 200 recipients (btree row limit)."""
    columns = {c["name"] for c in inspect(connection).get_columns("deliveries")}
    if "recipients_hash" not in columns:
        connection.execute(text("ALTER TABLE deliveries ADD COLUMN recipients_hash VARCHAR(64)"))
    rows = connection.execute(text("SELECT id, recipients FROM deliveries")).all()
    for row_id, recipients in rows:
        connection.execute(
            text("UPDATE deliveries SET recipients_hash = :hash WHERE id = :id"),
            {"hash": recipients_hash(recipients), "id": row_id},
        )
    if connection.dialect.name == "postgresql":  # SQLite's old constraint is harmless
        for constraint in inspect(connection).get_unique_constraints("deliveries"):
            if constraint["column_names"] == ["week", "recipients"]:
                connection.execute(
                    text(f'ALTER TABLE deliveries DROP CONSTRAINT "{constraint["name"]}"')
                )
        connection.execute(text("ALTER TABLE deliveries ALTER COLUMN recipients_hash SET NOT NULL"))
    connection.execute(
        text(
            "CREATE UNIQUE INDEX IF NOT EXISTS ux_deliveries_week_recipients"
            " ON deliveries (week, recipients_hash)"
        )
    )


def _v5_mentions(connection: Connection) -> None:
    """v5: what others say about each company (share of conversation)."""
    mentions.create(connection, checkfirst=True)


def _v6_source_events_by_source(connection: Connection) -> None:
    """v6: each source's attempts by time, so its first attempt is found without reading the
    whole history (the metrics ask it of every source)."""
    connection.execute(
        text("CREATE INDEX IF NOT EXISTS ix_source_events_source ON source_events (source_id, at)")
    )


def _v7_alerts(connection: Connection) -> None:
    """v7: alerts between digests, each told once."""
    alerts.create(connection, checkfirst=True)


def _v8_outcomes(connection: Connection) -> None:
    """v8: our own weekly results (visits from social, sign-ups, orders) from outcome sources."""
    outcomes.create(connection, checkfirst=True)


def _v9_fleet(connection: Connection) -> None:
    """v9: fleet mode's nodes, host turns and timetable (empty until `monitor worker` runs)."""
    for table in (nodes, host_turns, fleet_schedule):
        table.create(connection, checkfirst=True)


def _v10_chat_channels(connection: Connection) -> None:
    """v10: chat channels' health and the weeks posted to them."""
    chat_channels.create(connection, checkfirst=True)


LINK_BATCH = 5_000  # posts whose link hash the upgrade to v11 computes at a time


def _v11_link_hashes(connection: Connection) -> None:
    """v11: each post's link as a number (links.link_hash), so the metrics find the copies of
    a post without reading and comparing every link of a window."""
    columns = {c["name"] for c in inspect(connection).get_columns("posts")}
    if "link_hash" not in columns:
        connection.execute(text("ALTER TABLE posts ADD COLUMN link_hash BIGINT NOT NULL DEFAULT 0"))
    batch = text(
        "SELECT id, url FROM posts WHERE url IS NOT NULL AND id > :after ORDER BY id LIMIT :size"
    )
    update = text("UPDATE posts SET link_hash = :hash WHERE id = :id")
    after = 0  # in id order, a batch at a time: a large history is never all in memory
    while linked := connection.execute(batch, {"after": after, "size": LINK_BATCH}).all():
        connection.execute(update, [{"id": i, "hash": link_hash(url)} for i, url in linked])
        after = linked[-1][0]


# MIGRATIONS[i] upgrades version i+1 to i+2. Version 1 is the first released schema.
MIGRATIONS: list[Callable[[Connection], None]] = [
    _v2_source_health,
    _v3_source_interval,
    _v4_delivery_identity,
    _v5_mentions,
    _v6_source_events_by_source,
    _v7_alerts,
    _v8_outcomes,
    _v9_fleet,
    _v10_chat_channels,
    _v11_link_hashes,
]
LATEST_VERSION = len(MIGRATIONS) + 1
