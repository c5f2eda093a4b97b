"""The writers (a thread, a process): many harvests a transaction, a refused value stays its
source's, and a writer that fails tells every collection waiting for it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from monitor.domain import Harvest, Post
from monitor.errors import StoreError
from monitor.store import Store
from monitor.store import schema as s
from monitor.store.harvests import HarvestWrite
from monitor.store.writer import BatchWriter, writer_for
from monitor.store.writer_process import ProcessWriter

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


TRACK = timedelta(days=14)


@pytest.fixture(params=["thread", "process"])
def open_writer(request: pytest.FixtureRequest):
    """Opens a writer of either kind on a store."""
    if request.param == "thread":
        return lambda store: BatchWriter(store, track_engagement_for=TRACK)
    return lambda store: ProcessWriter(store.url, track_engagement_for=TRACK)


@pytest.fixture
def store(database_url: str):
    with Store(database_url) as opened:
        opened.sync_config(
            [("Us", True, [("feed", f"https://us.example/{n}.xml", None) for n in range(30)])]
        )
        yield opened


def posts(store: Store) -> int:
    with store.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(s.posts)).scalar_one()


def test_every_queued_harvest_is_written_and_answered(store: Store, open_writer) -> None:
    ids = [r.id for r in store.sources()]

    async def collect_all() -> list:
        with open_writer(store) as writer:
            return await asyncio.gather(
                *(
                    writer.write(HarvestWrite(i, Harvest(NOW, (Post(f"p{i}", NOW),)), NOW))
                    for i in ids
                )
            )

    results = asyncio.run(collect_all())
    assert [(r.new_posts, r.updated_counts) for r in results] == [(1, 0)] * len(ids)
    assert posts(store) == len(ids)


def test_a_value_the_store_refuses_fails_only_the_harvest_that_gave_it(
    store: Store, open_writer
) -> None:
    good, bad = [r.id for r in store.sources()][:2]
    naive = Post("bad", datetime(2026, 11, 19, 9, 0))  # refused: times must be aware

    async def both() -> list:
        with open_writer(store) as writer:
            return await asyncio.gather(
                writer.write(HarvestWrite(good, Harvest(NOW, (Post("fine", NOW),)), NOW)),
                writer.write(HarvestWrite(bad, Harvest(NOW, (naive,)), NOW)),
                return_exceptions=True,
            )

    stored, refused = asyncio.run(both())
    assert stored.new_posts == 1
    assert isinstance(refused, Exception) and "timezone-aware" in str(refused)
    assert posts(store) == 1
    assert store.source(good).last_ok_at == NOW and store.source(bad).last_ok_at is None


def test_writes_fail_with_a_store_error_when_the_writer_process_dies(store: Store) -> None:
    source = store.sources()[0].id

    async def after_a_kill() -> tuple:
        with ProcessWriter(store.url, track_engagement_for=TRACK) as writer:
            first = await writer.write(HarvestWrite(source, Harvest(NOW, (Post("a", NOW),)), NOW))
            writer._process.kill()
            writer._process.join()
            with pytest.raises(StoreError) as stopped:
                for n in range(3):  # the first writes may still be handed over, never answered
                    await asyncio.wait_for(
                        writer.write(
                            HarvestWrite(source, Harvest(NOW, (Post(f"b{n}", NOW),)), NOW)
                        ),
                        timeout=60,
                    )
            return first, stopped.value

    first, stopped = asyncio.run(after_a_kill())
    assert first.new_posts == 1
    assert "stopped" in str(stopped)


def test_a_database_that_cannot_be_opened_fails_every_write(tmp_path) -> None:
    missing = f"sqlite:///{tmp_path / 'gone.db'}"

    async def write_one():
        with ProcessWriter(missing, track_engagement_for=TRACK) as writer:
            return await writer.write(HarvestWrite(1, Harvest(NOW, (Post("a", NOW),)), NOW))

    with pytest.raises(StoreError):
        asyncio.run(write_one())


def test_large_cycles_on_a_shared_database_get_a_writer_process(store: Store, monkeypatch) -> None:
    monkeypatch.setattr("monitor.child_process.os.cpu_count", lambda: 2)
    with writer_for(store, 49, track_engagement_for=TRACK) as small:
        assert isinstance(small, BatchWriter)
    with writer_for(store, 50, track_engagement_for=TRACK) as large:
        assert isinstance(large, ProcessWriter)
    in_memory = Store("sqlite://")  # no other process can open it
    with in_memory, writer_for(in_memory, 1000, track_engagement_for=TRACK) as writer:
        assert isinstance(writer, BatchWriter)
