"""Writers: the collection loop hands harvests over and goes on fetching.

Harvests that arrive while a batch is being written are written together in the next one
(one transaction, a few statements for all of them), so a cycle's writes cost a fraction
of one transaction per harvest, and the event loop never waits for the database.

`BatchWriter` writes in a thread of the collecting process: the job's writer, and that of
small cycles. `writer_for` gives a large cycle a writer in a process of its own
(writer_process.py): in a thread, the writes' Python held the interpreter lock against the
event loop for a fifth of a 1,000-source cycle.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from datetime import timedelta
from typing import Any, Protocol

from monitor.child_process import children_for
from monitor.errors import StoreError
from monitor.store import sqlite_file
from monitor.store.harvests import HarvestWriter, Write
from monitor.store.records import HarvestResult

MAX_BATCH = 200  # harvests a transaction; a crash loses at most this much unsaved work
LINGER_S = 0.02  # how long a batch waits for company before it is written

Item = tuple[Any, Write]  # (who waits for it, the write)
# Tells who waits for each write of a batch its result, or the error that stopped it.
Answer = Callable[[Sequence[tuple[Any, HarvestResult | BaseException | None]]], None]


class Writer(Protocol):
    async def write(self, write: Write) -> HarvestResult | None: ...

    def close(self) -> None: ...

    def __enter__(self) -> Writer: ...

    def __exit__(self, *_exc: object) -> None: ...


def writer_for(store, sources: int, *, track_engagement_for: timedelta) -> Writer:
    """A writer for a cycle of `sources`: in a process of its own when it is large, the
    machine has a core to spare and the database is one another process can open."""
    from monitor.store.writer_process import ProcessWriter  # it imports write_batches from here

    shared = store.dialect != "sqlite" or sqlite_file(store.url) is not None
    if children_for(sources) and shared:
        return ProcessWriter(store.url, track_engagement_for=track_engagement_for)
    return BatchWriter(store, track_engagement_for=track_engagement_for)


class BatchWriter:
    """Writes in a thread of its own, in batches; use as `with BatchWriter(store, …) as w`."""

    def __init__(self, store: HarvestWriter, *, track_engagement_for: timedelta):
        self._store = store
        self._track_for = track_engagement_for
        self._queue: queue.Queue[Item | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="harvest-writer", daemon=True)
        self._thread.start()

    def __enter__(self) -> BatchWriter:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    async def write(self, write: Write) -> HarvestResult | None:
        """Queue one write and wait (without blocking the loop) until its batch is stored."""
        done: Future[HarvestResult | None] = Future()
        self._queue.put((done, write))
        return await asyncio.wrap_future(done)

    def close(self) -> None:
        """Write what is queued, then stop the thread."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        write_batches(self._store, self._track_for, self._queue, _settle, _still_wanted)


def _still_wanted(done: Future) -> bool:
    # A collection cancelled while it waited (the job is stopping) is not written.
    return done.set_running_or_notify_cancel()


def _settle(answers: Sequence[tuple[Any, HarvestResult | BaseException | None]]) -> None:
    for done, result in answers:
        if isinstance(result, BaseException):
            done.set_exception(result)
        else:
            done.set_result(result)


def write_batches(
    store: HarvestWriter,
    track_for: timedelta,
    inbox: Any,  # a queue.Queue or a multiprocessing queue of Item, None to stop
    answer: Answer,
    wanted: Callable[[Any], bool] = lambda _waiter: True,
) -> None:
    """Write what arrives in `inbox`, in batches, until None arrives."""
    stopping = False
    while not stopping:
        first = inbox.get()
        if first is None:
            return
        batch, stopping = _gather(inbox, first, store, track_for, answer, wanted)
        _write(batch, store, track_for, answer, wanted)


def _gather(inbox, first: Item, store, track_for, answer, wanted) -> tuple[list[Item], bool]:
    """The first item, what else comes within LINGER_S of it, and whatever is queued by then
    (a source at most once a batch). The wait is from the first item, not from the last one:
    at 250 harvests a second a batch otherwise grew to MAX_BATCH before it was written, the
    last one of a cycle was written only after it, and its answers woke 200 collections at
    once."""
    batch, sources = [first], {first[1].source_id}
    deadline = time.monotonic() + LINGER_S
    while len(batch) < MAX_BATCH:
        try:
            item = inbox.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            break
        if item is None:
            return batch, True
        if item[1].source_id in sources:  # its earlier write must be read first
            _write(batch, store, track_for, answer, wanted)
            batch, sources = [], set()
        batch.append(item)
        sources.add(item[1].source_id)
    return batch, False


def _write(batch: list[Item], store, track_for, answer: Answer, wanted) -> None:
    batch = [(waiter, write) for waiter, write in batch if wanted(waiter)]
    if not batch:
        return
    try:
        results = store.write_batch([write for _, write in batch], track_engagement_for=track_for)
    except StoreError as error:  # the database failed: every waiting collection raises it
        answer([(waiter, error) for waiter, _ in batch])
        return
    except Exception as error:  # a value one source gave was refused: find whose, alone
        if len(batch) == 1:
            answer([(batch[0][0], error)])
            return
        answer([(waiter, _write_alone(store, write, track_for)) for waiter, write in batch])
        return
    answer([(waiter, result) for (waiter, _), result in zip(batch, results, strict=True)])


def _write_alone(store, write: Write, track_for: timedelta) -> HarvestResult | Exception | None:
    try:
        return store.write_batch([write], track_engagement_for=track_for)[0]
    except Exception as error:  # the collection that gave it decides (collect.py)
        return error
