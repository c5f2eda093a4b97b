"""The store, on SQLite and on a real PostgreSQL server: the same tests, the same code."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from monitor.domain import AccountStats, Counts, Harvest, Mention, Post, WeekOutcome
from monitor.errors import StoreError
from monitor.links import NO_LINK, link_hash
from monitor.store import Store, harvests
from monitor.store import schema as s
from monitor.store.harvests import FailureWrite, HarvestWrite
from monitor.store.schema import LATEST_VERSION

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TRACK = timedelta(days=14)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "store"


def companies(*extra: tuple[str, str]):
    return [
        ("Us", True, [("feed", "https://us.example/feed", None)]),
        (
            "Acme",
            False,
            [
                ("mastodon", "@acme@mastodon.social", "Acme on Mastodon"),
                *((k, t, None) for k, t in extra),
            ],
        ),
    ]


@pytest.fixture
def store(database_url: str):
    with Store(database_url) as opened:
        opened.sync_config(companies())
        yield opened


def acme(store: Store) -> int:
    return next(r.id for r in store.sources() if r.company == "Acme")


def post(
    external_id: str, *, days_ago: float = 1, likes: int | None = 3, views: int | None = None
) -> Post:
    return Post(
        external_id,
        NOW - timedelta(days=days_ago),
        text=f"post {external_id}",
        counts=Counts(likes=likes, replies=1, views=views),
    )


def harvest(*posts: Post, at: datetime = NOW, followers: int | None = 100) -> Harvest:
    return Harvest(observed_at=at, posts=posts, account=AccountStats(followers=followers))


def count(store: Store, table) -> int:
    with store.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def save(store: Store, source_id: int, h: Harvest):
    return store.save_harvest(
        source_id, h, track_engagement_for=TRACK, next_due_at=h.observed_at + timedelta(hours=1)
    )


def test_fresh_database_has_the_latest_schema(store: Store) -> None:
    assert store.schema_version() == LATEST_VERSION


def test_saving_the_same_harvest_twice_changes_nothing(store: Store) -> None:
    source = acme(store)
    h = harvest(post("1"), post("2", likes=None))
    first = save(store, source, h)
    second = save(store, source, h)
    assert (first.new_posts, first.updated_counts) == (2, 0)
    assert (second.new_posts, second.updated_counts) == (0, 0)
    assert count(store, s.posts) == 2
    assert count(store, s.post_counts) == 2
    assert count(store, s.account_counts) == 1


def test_each_post_is_stored_with_its_link_as_a_number_equal_for_two_spellings(
    store: Store,
) -> None:
    spellings = ("https://acme.example/news/1", "HTTPS://ACME.example:443/news/1/#top")
    other = "https://acme.example/news/1?page=2"
    posts = [
        Post(f"p{n}", NOW - timedelta(days=1), url=url)
        for n, url in enumerate((*spellings, other, None, "", "https://acme.example:99999/x"))
    ]
    save(store, store.sources()[0].id, harvest(*posts))
    with store.engine.connect() as connection:
        query = select(s.posts.c.external_id, s.posts.c.link_hash)
        stored = dict(connection.execute(query).all())
    assert stored["p0"] == stored["p1"] == link_hash(spellings[0]) != NO_LINK
    assert stored["p2"] not in (stored["p0"], NO_LINK)
    assert stored["p3"] == stored["p4"] == stored["p5"] == NO_LINK  # none, empty, a bad port


def test_a_counter_change_writes_one_engagement_row(store: Store) -> None:
    source = acme(store)
    save(store, source, harvest(post("1", likes=3), post("2", likes=5)))
    later = NOW + timedelta(hours=1)
    result = save(store, source, harvest(post("1", likes=9), post("2", likes=5), at=later))
    assert result.updated_counts == 1
    assert count(store, s.post_counts) == 3
    rows = store.read_posts(NOW - timedelta(days=30), NOW + timedelta(days=1))
    latest = {
        r[rows.columns.index("external_id")]: r[rows.columns.index("likes")] for r in rows.rows
    }
    assert latest == {"1": 9, "2": 5}


def test_an_overlong_post_id_is_stored_once(store: Store) -> None:
    long_id = "https://acme.example/news?" + "x" * 600
    save(store, acme(store), harvest(post(long_id)))
    result = save(store, acme(store), harvest(post(long_id, likes=9), at=NOW + timedelta(hours=1)))
    assert (result.new_posts, result.updated_counts) == (0, 1)
    assert count(store, s.posts) == 1


def test_unknown_counters_stay_unknown(store: Store) -> None:
    save(store, acme(store), harvest(post("1", likes=None)))
    rows = store.read_posts(NOW - timedelta(days=30), NOW)
    record = dict(zip(rows.columns, rows.rows[0], strict=True))
    assert record["likes"] is None and record["views"] is None and record["replies"] == 1


def test_posts_past_the_tracking_window_are_frozen(store: Store) -> None:
    source = acme(store)
    save(store, source, harvest(post("old", days_ago=20, likes=1)))
    result = save(
        store, source, harvest(post("old", days_ago=20, likes=50), at=NOW + timedelta(hours=1))
    )
    assert result.updated_counts == 0
    assert count(store, s.post_counts) == 1  # the first observation is always kept


def test_account_counts_written_only_when_they_change(store: Store) -> None:
    source = acme(store)
    save(store, source, harvest(followers=100))
    save(store, source, harvest(followers=100, at=NOW + timedelta(hours=1)))
    save(store, source, harvest(followers=120, at=NOW + timedelta(hours=2)))
    assert count(store, s.account_counts) == 2


def test_a_failing_harvest_leaves_nothing_half_written(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = acme(store)

    def crash(*_args: object) -> None:  # fails after the posts and counts are written
        raise OSError("disk full")

    monkeypatch.setattr(harvests, "_write_account", crash)
    with pytest.raises(OSError, match="disk full"):
        save(store, source, harvest(post("good"), post("also good")))
    assert count(store, s.posts) == 0
    assert count(store, s.post_counts) == 0
    assert store.source(source).last_ok_at is None


def test_a_batch_is_written_as_one_harvest_at_a_time_would_be(store: Store) -> None:
    us = next(r.id for r in store.sources() if r.company == "Us")
    source = acme(store)
    save(store, source, harvest(post("a", likes=1), post("b", likes=2)))
    later = NOW + timedelta(hours=1)
    results = store.write_batch(
        [
            HarvestWrite(source, harvest(post("a", likes=5), post("c"), at=later), later),
            FailureWrite(us, "timeout", "the server did not answer", later, later),
        ],
        track_engagement_for=TRACK,
    )
    assert [(r.new_posts, r.updated_counts) if r else None for r in results] == [(1, 1), None]
    assert count(store, s.posts) == 3
    assert count(store, s.post_counts) == 4  # a, b, then a's new likes and c
    by_id = {r.id: r for r in store.sources()}
    assert by_id[source].unchanged_cycles == 0 and by_id[source].last_ok_at == later
    assert by_id[us].consecutive_failures == 1 and by_id[us].last_error_kind == "timeout"
    store.write_batch(
        [HarvestWrite(source, Harvest(observed_at=later, unchanged=True), later)],
        track_engagement_for=TRACK,
    )
    assert store.source(source).unchanged_cycles == 1


def test_a_failing_batch_leaves_every_harvest_of_it_absent(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    us = next(r.id for r in store.sources() if r.company == "Us")
    original = harvests._write_account

    def crash_on_acme(connection, source_id, harvest) -> None:
        if source_id == acme(store):
            raise OSError("disk full")
        original(connection, source_id, harvest)

    monkeypatch.setattr(harvests, "_write_account", crash_on_acme)
    with pytest.raises(OSError, match="disk full"):
        store.write_batch(
            [
                HarvestWrite(us, harvest(post("ours")), NOW),
                HarvestWrite(acme(store), harvest(post("theirs")), NOW),
            ],
            track_engagement_for=TRACK,
        )
    assert count(store, s.posts) == 0
    assert count(store, s.source_events) == 0
    assert store.source(us).last_ok_at is None


def test_a_naive_time_is_refused(store: Store) -> None:
    broken = Post("bad", datetime(2026, 11, 19, 9, 0))
    with pytest.raises(Exception, match="timezone-aware"):
        save(store, acme(store), harvest(broken))
    assert count(store, s.posts) == 0


def test_times_are_kept_in_utc_as_sqlalchemy_writes_them_on_sqlite(sqlite_url: str) -> None:
    """The text must stay SQLAlchemy's own DATETIME text: older rows were written by it, and
    SQL compares times as text (published_at >= :since)."""
    paris = timezone(timedelta(hours=1))
    published = datetime(2026, 11, 19, 10, 30, 5, 7, tzinfo=paris)
    with Store(sqlite_url) as store:
        store.sync_config(companies())
        save(store, acme(store), harvest(Post("p1", published)))
        with store.engine.connect() as connection:
            stored = connection.execute(text("SELECT published_at FROM posts")).scalar_one()
        just_before = published - timedelta(microseconds=1)
        found = store.read_posts(just_before, published + timedelta(microseconds=1))
        assert store.read_posts(published + timedelta(microseconds=1), NOW).rows == []
    assert stored == "2026-11-19 09:30:05.000007"
    [read] = found.rows
    assert read[found.columns.index("published_at")] == published


def test_failures_are_recorded_on_the_source(store: Store) -> None:
    source = acme(store)
    store.record_failure(
        source,
        "rate_limited",
        "asked us to slow down",
        at=NOW,
        next_due_at=NOW + timedelta(hours=2),
    )
    store.record_failure(
        source,
        "rate_limited",
        "asked us to slow down",
        at=NOW,
        next_due_at=NOW + timedelta(hours=4),
    )
    record = store.source(source)
    assert (record.last_error_kind, record.consecutive_failures) == ("rate_limited", 2)
    assert store.due_sources(NOW + timedelta(hours=3)) == [
        r for r in store.sources() if r.id != source
    ]
    save(store, source, harvest(post("1")))
    assert store.source(source).consecutive_failures == 0
    events = store.read_source_events(NOW - timedelta(days=1), NOW + timedelta(days=1))
    assert [row[events.columns.index("ok")] for row in events.rows] == [False, False, True]


def test_remembered_collector_state_survives(store: Store) -> None:
    source = acme(store)
    save(store, source, Harvest(observed_at=NOW, remember={"account_id": "109"}))
    save(store, source, Harvest(observed_at=NOW, remember={"validators": {"etag": "x"}}))
    assert store.source(source).remember == {"account_id": "109", "validators": {"etag": "x"}}


def test_config_sync_adds_renames_and_deactivates_without_losing_history(store: Store) -> None:
    source = acme(store)
    save(store, source, harvest(post("1")))
    store.sync_config(
        [
            ("Us", True, [("feed", "https://us.example/feed", None)]),
            (
                "Acme Corp",
                False,
                [
                    ("mastodon", "@acme@mastodon.social", None),
                    ("bluesky", "acme.bsky.social", None),
                ],
            ),
            ("Globex", False, [("feed", "https://globex.example/rss", None)]),
        ]
    )
    names = {r.company for r in store.sources()}
    assert names == {"Us", "Acme Corp", "Globex"}
    assert store.source(source).company == "Acme Corp"  # renamed, same history
    store.sync_config(
        [
            ("Us", True, [("feed", "https://us.example/feed", None)]),
            ("Globex", False, [("feed", "https://globex.example/rss", None)]),
        ]
    )
    inactive = [r for r in store.sources(active_only=False) if not r.active]
    assert {r.company for r in inactive} == {"Acme Corp"}
    assert count(store, s.posts) == 1


def test_account_history_includes_the_value_before_the_window(store: Store) -> None:
    source = acme(store)
    save(store, source, harvest(followers=100, at=NOW - timedelta(days=10)))
    save(store, source, harvest(followers=150, at=NOW - timedelta(days=2)))
    rows = store.read_account_counts(NOW - timedelta(days=7), NOW)
    followers = sorted(r[rows.columns.index("followers")] for r in rows.rows)
    assert followers == [100, 150]


def test_only_one_of_two_racing_senders_claims_a_week(store: Store) -> None:
    results: list[bool] = []
    barrier = threading.Barrier(2)

    def claim() -> None:
        barrier.wait()
        results.append(store.claim_delivery("2026-W47", "ceo@us.example", "out.eml", NOW))

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, True]
    store.finish_delivery(
        "2026-W47", "ceo@us.example", status="failed", now=NOW, error="451 try later"
    )
    assert (
        store.claim_delivery("2026-W47", "ceo@us.example", "out.eml", NOW) is True
    )  # a failed one may be retried
    store.finish_delivery("2026-W47", "ceo@us.example", status="sent", now=NOW, message_id="<m@us>")
    assert store.claim_delivery("2026-W47", "ceo@us.example", "out.eml", NOW) is False


def _create_v1(url: str) -> None:
    engine = create_engine(url)
    id_type = "INTEGER PRIMARY KEY" if url.startswith("sqlite") else "SERIAL PRIMARY KEY"
    script = (FIXTURES / "schema_v1.sql").read_text().replace("{ID}", id_type)
    with engine.begin() as connection:
        for statement in script.split(";"):
            body = "\n".join(line for line in statement.splitlines() if not line.startswith("--"))
            if body.strip():
                connection.execute(text(body))
    engine.dispose()


def test_an_old_database_is_upgraded_on_open_and_keeps_its_data(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _create_v1(database_url)
    monkeypatch.setattr(s, "LINK_BATCH", 1)  # v11 fills the link hashes a batch at a time
    with Store(database_url) as store:
        assert store.schema_version() == LATEST_VERSION
        record = store.sources()[0]
        assert (record.company, record.unchanged_cycles, record.stale_reason) == ("Acme", 0, None)
        rows = store.read_posts(
            datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC)
        )
        assert [r[rows.columns.index("likes")] for r in rows.rows] == [7]
        # v11: each post's link as its hash, for the metrics to find copies
        with store.engine.connect() as connection:
            hashes = dict(
                connection.execute(select(s.posts.c.external_id, s.posts.c.link_hash)).all()
            )
        assert hashes == {
            "p1": NO_LINK,
            "p0": link_hash("https://acme.example/news/1"),
            "p2": link_hash("https://acme.example/news/2"),
        }
        assert hashes["p0"] != NO_LINK
        save(store, record.id, harvest(post("new")))
        assert count(store, s.source_events) == 1
        # v3: the mentions table, ready for the share of conversation
        mention = Mention(url="https://news.example/acme", published_at=NOW, external_id="n1")
        save(store, record.id, Harvest(observed_at=NOW, mentions=(mention,)))
        assert count(store, s.mentions) == 1
        # v8: our own weekly results
        save(store, record.id, Harvest(observed_at=NOW, outcomes=(WeekOutcome("2026-W47", 9),)))
        assert count(store, s.outcomes) == 1


def test_a_newer_database_is_refused(database_url: str) -> None:
    Store(database_url).close()
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE schema_version SET version = 99"))
    engine.dispose()
    with pytest.raises(StoreError, match="newer version of the monitor"):
        Store(database_url)


def test_a_corrupt_sqlite_file_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "monitor.db"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StoreError, match="cannot use the database"):
        Store(f"sqlite:///{path}")


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_url: str) -> None:
    Store(sqlite_url).close()
    connection = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    connection.close()


def test_two_processes_syncing_one_new_configuration_at_once_both_succeed(
    database_url: str,
) -> None:
    """The job starting while a health check runs `monitor status`: both add the same new
    company; the one that finds it added meanwhile reads again instead of failing."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the race is made step by step with PostgreSQL's row locks")
    with Store(database_url) as store:
        other = create_engine(database_url)
        with other.connect() as first:  # the other process, half-way through its own sync
            transaction = first.begin()
            first.execute(s.companies.insert().values(name="Acme", is_self=False, active=True))
            failures: list[BaseException] = []

            def sync() -> None:
                try:
                    store.sync_config(companies())
                except BaseException as error:  # reported by the assertion below
                    failures.append(error)

            syncing = threading.Thread(target=sync)
            syncing.start()
            _wait_until_blocked(other, "INSERT INTO companies")  # it read before the other wrote
            transaction.commit()
            syncing.join(30)
        other.dispose()
        assert failures == []
        assert sorted(r.company for r in store.sources()) == ["Acme", "Us"]
        with store.engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(s.companies)).scalar() == 2


def _wait_until_blocked(engine, statement: str) -> None:
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE :q"
    )
    for _ in range(300):
        with engine.connect() as connection:
            if connection.execute(query, {"q": f"{statement}%"}).scalar():
                return
        threading.Event().wait(0.1)
    raise AssertionError(f"{statement} never waited for the other transaction")


def test_known_posts_are_looked_up_through_the_index_not_by_reading_it_all(tmp_path: Path):
    """Each harvest asks which of its posts are known; with a year of history that lookup
    must search the (source, id) index, not scan all of it (SQLite scans it for a
    (source, id) IN (…) list, a cost that grows with every post ever stored)."""
    from sqlalchemy import event

    with Store(f"sqlite:///{tmp_path / 'm.db'}") as store:
        store.sync_config(companies())
        source = acme(store)
        harvest = Harvest(NOW, posts=tuple(post(f"p{n}", likes=n) for n in range(5)))
        store.save_harvest(source, harvest, track_engagement_for=TRACK, next_due_at=NOW)
        lookups: list[tuple[str, tuple]] = []

        def seen(_conn, _cursor, statement, parameters, _context, _many) -> None:
            if statement.lstrip().startswith(("SELECT", "WITH")) and "FROM posts" in statement:
                lookups.append((statement, parameters))

        event.listen(store.engine, "before_cursor_execute", seen)
        store.save_harvest(source, harvest, track_engagement_for=TRACK, next_due_at=NOW)
        event.remove(store.engine, "before_cursor_execute", seen)
        assert lookups, "the second harvest looked nothing up"
        with store.engine.connect() as connection:
            for statement, parameters in lookups:
                plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
                details = " ".join(row[-1] for row in plan)
                assert "SCAN posts" not in details, details
                assert "SEARCH posts" in details, details
