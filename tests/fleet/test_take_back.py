"""Jobs of a node that stopped beating, taken back (Procrastinate's in-memory connector)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from procrastinate import App
from procrastinate.testing import InMemoryConnector
from procrastinate.utils import utcnow

from monitor.fleet.tasks import COLLECT, DIGEST, register, take_back_stalled


def left_by_a_dead_node(task: str, **kwargs) -> tuple[int, list[tuple[str, str]]]:
    """A job taken by a worker that then went silent, and one by a worker still beating:
    (jobs taken back, every job's (task, status) afterwards)."""

    async def scenario():
        connector = InMemoryConnector()
        app = App(connector=connector)
        register(app, plan_every_s=10)
        async with app.open_async():
            for source_id in (1, 2):
                lock = f"source:{source_id}"
                deferrer = app.configure_task(COLLECT, lock=lock, queueing_lock=lock)
                await deferrer.defer_async(source_id=source_id)
            alive = await app.job_manager.register_worker()
            await app.job_manager.fetch_job(queues=None, worker_id=alive)  # source 1: alive
            lock = kwargs.pop("lock", None)
            await app.configure_task(task, lock=lock).defer_async(**kwargs)
            dead = await app.job_manager.register_worker()
            await app.job_manager.fetch_job(queues=["control"], worker_id=dead)
            if task == COLLECT:
                await app.job_manager.fetch_job(queues=None, worker_id=dead)  # source 2
            connector.workers[dead] = utcnow() - timedelta(minutes=5)  # it stopped beating
            taken = await take_back_stalled(app, silent_s=30)
            return taken, sorted((j["task_name"], j["status"]) for j in connector.jobs.values())

    return asyncio.run(scenario())


def test_a_dead_nodes_collection_ends_failed_and_its_source_waits_for_the_plan() -> None:
    taken, jobs = left_by_a_dead_node(COLLECT, source_id=3, lock="source:3")
    assert taken == 1  # source 2's job; source 3's was never fetched, source 1's node lives
    assert jobs == [(COLLECT, "doing"), (COLLECT, "failed"), (COLLECT, "todo")]


def test_a_dead_nodes_digest_is_queued_again_at_once() -> None:
    taken, jobs = left_by_a_dead_node(DIGEST, retry_only=False)
    assert taken == 1
    assert jobs == [(COLLECT, "doing"), (COLLECT, "todo"), (DIGEST, "failed"), (DIGEST, "todo")]
