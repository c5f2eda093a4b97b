"""The writer thread: many harvests a transaction, and a refused value stays its source's."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from monitor.domain import Harvest, Post
from monitor.store import Store
from monitor.store import schema as s
from monitor.store.harvests import HarvestWrite
from monitor.store.writer import BatchWriter

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


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


def test_every_queued_harvest_is_written_and_answered(store: Store) -> None:
    ids = [r.id for r in store.sources()]

    async def collect_all() -> list:
        with BatchWriter(store, track_engagement_for=timedelta(days=14)) as writer:
            return await asyncio.gather(
                *(
                    writer.write(HarvestWrite(i, Harvest(NOW, (Post(f"p{i}", NOW),)), NOW))
                    for i in ids
                )
            )

    results = asyncio.run(collect_all())
    assert [(r.new_posts, r.updated_counts) for r in results] == [(1, 0)] * len(ids)
    assert posts(store) == len(ids)


def test_a_value_the_store_refuses_fails_only_the_harvest_that_gave_it(store: Store) -> None:
    good, bad = [r.id for r in store.sources()][:2]
    naive = Post("bad", datetime(2026, 11, 19, 9, 0))  # refused: times must be aware

    async def both() -> list:
        with BatchWriter(store, track_engagement_for=timedelta(days=14)) as writer:
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
