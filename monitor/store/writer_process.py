"""A writer in a process of its own, for large cycles: the same batches as BatchWriter's.

The collecting process hands each write over through a pipe (child_process.Outbox: written
from the event loop, never blocking it) and goes on fetching; the writer process opens the
same database, writes in batches (writer.write_batches) and sends back each batch's results,
or the error that stopped it, through a pipe the event loop reads as soon as it can be read
(as the parsing workers' answers: no thread, and no hop from one back to the loop a write).
A batch is one transaction there too: a crash of either process leaves each harvest whole or
absent. A write whose collection was cancelled is still written (it is whole); only its
answer is dropped.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from monitor.child_process import Inbox, join_reading, sendable, start_child
from monitor.errors import StoreError
from monitor.store import Store
from monitor.store.harvests import Write
from monitor.store.records import HarvestResult
from monitor.store.writer import write_batches


class ProcessWriter:
    """Writes in a child process, in batches; use as `with ProcessWriter(url, …) as w`."""

    def __init__(self, url: str, *, track_engagement_for: timedelta):
        self._process, self._work, self._answers = start_child(
            _serve, url, track_engagement_for, name="harvest-writer"
        )
        self._waiting: dict[int, asyncio.Future[HarvestResult | None]] = {}
        self._stopped: StoreError | None = None  # set when the process has gone
        self._tokens = itertools.count()
        self._loop: asyncio.AbstractEventLoop | None = None

    def __enter__(self) -> ProcessWriter:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    async def write(self, write: Write) -> HarvestResult | None:
        """Hand one write over and wait (without blocking the loop) until its batch is stored."""
        if self._loop is None:  # the answers are read by the loop of the first write
            self._loop = asyncio.get_running_loop()
            self._loop.add_reader(self._answers.fileno(), self._read)
        if self._stopped is not None:
            raise self._stopped
        token = next(self._tokens)
        done = self._loop.create_future()
        self._waiting[token] = done
        self._work.send((token, write))
        try:
            return await done
        finally:
            self._waiting.pop(token, None)

    def close(self) -> None:
        """Write what was handed over, then stop the process (it reads the end of its work)."""
        self._work.close(self._answers, self._settle_next)
        join_reading(self._process, self._answers, self._settle_next)
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._answers.fileno())
        self._answers.close()

    def _read(self) -> None:
        if not self._settle_next():
            self._loop.remove_reader(self._answers.fileno())  # type: ignore[union-attr]

    def _settle_next(self) -> bool:
        """The next batch's answers given to their writes; False once the process is gone."""
        try:
            answers = self._answers.recv()
        except (EOFError, OSError):
            self._stop(StoreError("the process that wrote to the database has stopped"))
            return False
        self._settle(answers)
        return True

    def _settle(self, answers: Sequence[tuple[int, Any]]) -> None:
        for token, result in answers:
            done = self._waiting.pop(token, None)
            if done is None or done.done():
                continue  # its collection was cancelled meanwhile
            if isinstance(result, BaseException):
                done.set_exception(result)
            else:
                done.set_result(result)

    def _stop(self, error: StoreError) -> None:
        """Every write still waiting fails with `error`, and every later one at once."""
        self._stopped = error
        waiting, self._waiting = list(self._waiting.values()), {}
        for done in waiting:
            if not done.done():
                done.set_exception(error)


def _serve(work, answering, url: str, track_for: timedelta) -> None:
    """The writer process: write batches until told to stop, or the parent is gone."""

    def answer(answers) -> None:
        answering.send([(token, _sendable(result)) for token, result in answers])

    try:
        store = Store(url, create=False)
    except StoreError as error:  # every write handed over is answered with it
        _refuse_all(work, answering, error)
        return
    try:
        write_batches(store, track_for, Inbox(work), answer)
    finally:
        store.close()
        answering.close()


def _refuse_all(work, answering, error: StoreError) -> None:
    items = Inbox(work)
    while (item := items.get()) is not None:
        answering.send([(item[0], error)])
    answering.close()


def _sendable(result: Any) -> Any:
    return sendable(result) if isinstance(result, BaseException) else result
