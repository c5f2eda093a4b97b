"""Rows handed to the driver as they are read back exactly as Core's own insert writes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, insert, select

from monitor.store import Store, bulk
from monitor.store import schema as s

NOW = datetime(2026, 11, 20, 12, 0, 0, 123456, tzinfo=UTC)
COLUMNS = ("source_id", "external_id", "url", "title", "text", "published_at",
           "published_estimated", "media_type", "hashtags", "is_repost", "first_seen_at",
           "likes", "views", "link_hash")  # fmt: skip


def rows(source_id: int, count: int) -> list[tuple]:
    paris = timezone(timedelta(hours=1))  # an aware time in another zone is stored as UTC
    return [
        (
            *(source_id, f"p{n}", f"https://us.example/{n}", None if n % 2 else f"Title {n}"),
            *("« café » 'quoted' \"twice\" ?", NOW.astimezone(paris) - timedelta(hours=n)),
            *(n % 3 == 0, "video", "#news", bool(n % 2), NOW, None if n % 2 else n, 2**40 + n),
            -(2**62) + n,
        )
        for n in range(count)
    ]


def stored(store: Store) -> list[tuple]:
    columns = [s.posts.c[c] for c in COLUMNS]
    with store.engine.connect() as connection:
        return [tuple(r) for r in connection.execute(select(*columns).order_by(s.posts.c.id))]


@pytest.fixture
def store(database_url: str):
    with Store(database_url) as opened:
        opened.sync_config([("Us", True, [("feed", "https://us.example/feed.xml", None)])])
        yield opened


def test_the_same_rows_as_cores_insert(store: Store) -> None:
    source_id = store.sources()[0].id
    given = rows(source_id, 7)
    with store.engine.begin() as connection:
        connection.execute(insert(s.posts), [dict(zip(COLUMNS, row, strict=True)) for row in given])
    by_core = stored(store)
    with store.engine.begin() as connection:
        connection.execute(delete(s.posts))
        returned = bulk.insert_rows(
            connection, s.posts, COLUMNS, given, returning=("id", "external_id")
        )
    assert stored(store) == by_core
    assert sorted(key for _, key in returned) == sorted(row[1] for row in given)
    assert by_core[0][5] == NOW  # read back in UTC, to the microsecond


def test_more_rows_than_one_statement_takes(store: Store, monkeypatch) -> None:
    monkeypatch.setattr(bulk, "MAX_PARAMS", 3 * len(COLUMNS))  # three rows a statement
    source_id = store.sources()[0].id
    with store.engine.begin() as connection:
        returned = bulk.insert_rows(
            connection, s.posts, COLUMNS, rows(source_id, 8), returning=("id", "external_id")
        )
    ids = [post_id for post_id, _ in returned]
    assert len(set(ids)) == 8
    assert sorted(key for _, key in returned) == sorted(f"p{n}" for n in range(8))
    assert len(stored(store)) == 8


def test_rows_are_found_by_their_keys_and_read_as_core_reads_them(
    store: Store, monkeypatch
) -> None:
    monkeypatch.setattr(bulk, "MAX_PARAMS", 6)  # three keys a statement
    source_id = store.sources()[0].id
    with store.engine.begin() as connection:
        bulk.insert_rows(connection, s.posts, COLUMNS, rows(source_id, 7))
    wanted = [(source_id, f"p{n}") for n in (0, 3, 6, 9)] + [(source_id + 1, "p1")]
    with store.engine.connect() as connection:
        found = bulk.rows_matching(
            connection, s.posts, ("source_id", "external_id"), wanted, COLUMNS
        )
    by_core = {row[1]: row for row in stored(store)}
    assert sorted(found) == sorted(by_core[key] for key in ("p0", "p3", "p6"))
    assert {row[5].tzinfo for row in found} == {UTC}


def test_rows_are_updated_by_their_id(store: Store) -> None:
    source_id = store.sources()[0].id
    with store.engine.begin() as connection:
        bulk.insert_rows(connection, s.posts, COLUMNS, rows(source_id, 3))
    with store.engine.connect() as connection:
        ids = connection.execute(select(s.posts.c.id).order_by(s.posts.c.id)).scalars().all()
    later = NOW + timedelta(days=1)
    with store.engine.begin() as connection:
        bulk.update_rows(
            connection, s.posts, ("likes", "counts_observed_at"), [(99, later, ids[1])]
        )
    with store.engine.connect() as connection:
        after = connection.execute(
            select(s.posts.c.likes, s.posts.c.counts_observed_at).order_by(s.posts.c.id)
        ).all()
    assert after[1] == (99, later)
    assert after[0].likes == 0 and after[2].likes == 2


def test_times_are_stored_in_sqlites_text_whatever_their_zone(tmp_path) -> None:
    """SQLite compares times as text: each must be written as SQLAlchemy's DATETIME writes it."""
    from sqlalchemy.dialects import sqlite

    with Store(f"sqlite:///{tmp_path}/times.db") as store:
        store.sync_config([("Us", True, [("feed", "https://us.example/feed.xml", None)])])
        whole_second = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        elsewhere = datetime(2026, 6, 30, 23, 59, 59, 999999, tzinfo=timezone(-timedelta(hours=5)))
        times = [NOW, whole_second, elsewhere]
        at = COLUMNS.index("published_at"), COLUMNS.index("first_seen_at")
        given = [
            tuple(time if n in at else value for n, value in enumerate(row))
            for row, time in zip(rows(store.sources()[0].id, 3), times, strict=True)
        ]
        with store.engine.begin() as connection:
            bulk.insert_rows(connection, s.posts, COLUMNS, given)
            raw = connection.exec_driver_sql(
                "SELECT published_at, first_seen_at FROM posts ORDER BY id"
            ).all()
        text_of = sqlite.DATETIME().bind_processor(store.engine.dialect)
        expected = [text_of(time.astimezone(UTC).replace(tzinfo=None)) for time in times]
        assert [published for published, _ in raw] == expected
        assert [first_seen for _, first_seen in raw] == expected
        assert expected[2] == "2026-07-01 04:59:59.999999"
