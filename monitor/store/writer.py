"""A writer thread: the collection loop hands harvests over and goes on fetching.

Harvests that arrive while a batch is being written are written together in the next one
(one transaction, a few statements for all of them), so a cycle's writes cost a fraction
of one transaction per harvest, and the event loop never waits for the database.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from concurrent.futures import Future
from datetime import timedelta

from monitor.errors import StoreError
from monitor.store.harvests import HarvestWriter, Write
from monitor.store.records import HarvestResult

MAX_BATCH = 200  # harvests a transaction; a crash loses at most this much unsaved work
LINGER_S = 0.02  # how long a batch waits for company before it is written

_Item = tuple[Write, Future]


class BatchWriter:
    """Writes in a thread of its own, in batches; use as `with BatchWriter(store, …) as w`."""

    def __init__(self, store: HarvestWriter, *, track_engagement_for: timedelta):
        self._store = store
        self._track_for = track_engagement_for
        self._queue: queue.Queue[_Item | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="harvest-writer", daemon=True)
        self._thread.start()

    def __enter__(self) -> BatchWriter:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    async def write(self, write: Write) -> HarvestResult | None:
        """Queue one write and wait (without blocking the loop) until its batch is stored."""
        done: Future[HarvestResult | None] = Future()
        self._queue.put((write, done))
        return await asyncio.wrap_future(done)

    def close(self) -> None:
        """Write what is queued, then stop the thread."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                return
            batch, stopping = self._gather(first)
            self._write(batch)

    def _gather(self, first: _Item) -> tuple[list[_Item], bool]:
        """The first item and whatever else is queued (a source at most once a batch)."""
        batch, sources = [first], {first[0].source_id}
        while len(batch) < MAX_BATCH:
            try:
                item = self._queue.get(timeout=LINGER_S)
            except queue.Empty:
                break
            if item is None:
                return batch, True
            if item[0].source_id in sources:  # its earlier write must be read first
                self._write(batch)
                batch, sources = [], set()
            batch.append(item)
            sources.add(item[0].source_id)
        return batch, False

    def _write(self, batch: list[_Item]) -> None:
        # A collection cancelled while it waited (the job is stopping) is not written.
        batch = [(write, done) for write, done in batch if done.set_running_or_notify_cancel()]
        if not batch:
            return
        try:
            results = self._store.write_batch(
                [write for write, _ in batch], track_engagement_for=self._track_for
            )
        except StoreError as error:  # the database failed: every waiting collection raises it
            for _, done in batch:
                done.set_exception(error)
            return
        except Exception as error:  # a value one source gave was refused: find whose, alone
            if len(batch) == 1:
                batch[0][1].set_exception(error)
                return
            for write, done in batch:
                self._write_alone(write, done)
            return
        for (_, done), result in zip(batch, results, strict=True):
            done.set_result(result)

    def _write_alone(self, write: Write, done: Future) -> None:
        try:
            result = self._store.write_batch([write], track_engagement_for=self._track_for)[0]
        except Exception as error:  # the collection that gave it decides (collect.py)
            done.set_exception(error)
        else:
            done.set_result(result)
