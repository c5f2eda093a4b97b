"""A writer in a process of its own, for large cycles: the same batches as BatchWriter's.

The collecting process hands each write over through a queue (pickled by the queue's own
thread) and goes on fetching; the writer process opens the same database, writes in batches
(writer.write_batches) and sends back each write's result, or the error that stopped it.
A batch is one transaction there too: a crash of either process leaves each harvest whole or
absent. A write whose collection was cancelled is still written (it is whole); only its
answer is dropped.
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import os
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from datetime import timedelta
from typing import Any

from monitor.child_process import ALIVE_CHECK_S, Inbox, sendable
from monitor.errors import StoreError
from monitor.store import Store
from monitor.store.harvests import Write
from monitor.store.records import HarvestResult
from monitor.store.writer import write_batches


class ProcessWriter:
    """Writes in a child process, in batches; use as `with ProcessWriter(url, …) as w`."""

    def __init__(self, url: str, *, track_engagement_for: timedelta):
        context = multiprocessing.get_context("forkserver")  # no fork of a threaded process
        self._inbox: Any = context.Queue()
        self._outbox: Any = context.Queue()
        self._process = context.Process(
            target=_serve,
            args=(url, track_engagement_for, self._inbox, self._outbox, os.getpid()),
            name="harvest-writer",
            daemon=True,
        )
        self._process.start()
        self._waiting: dict[int, Future] = {}
        self._stopped: StoreError | None = None  # set when the process has gone
        self._tokens = itertools.count()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, name="harvest-answers", daemon=True)
        self._reader.start()

    def __enter__(self) -> ProcessWriter:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    async def write(self, write: Write) -> HarvestResult | None:
        """Hand one write over and wait (without blocking the loop) until its batch is stored."""
        done: Future[HarvestResult | None] = Future()
        token = next(self._tokens)
        with self._lock:
            if self._stopped is not None:
                raise self._stopped
            self._waiting[token] = done
        self._inbox.put((token, write))
        return await asyncio.wrap_future(done)

    def close(self) -> None:
        """Write what was handed over, then stop the process."""
        self._inbox.put(None)
        self._process.join()
        self._reader.join()
        self._inbox.close()
        self._outbox.close()

    def _read(self) -> None:
        while True:
            try:
                answers = self._outbox.get(timeout=ALIVE_CHECK_S)
            except queue.Empty:
                if self._process.is_alive():
                    continue
                answers = None
            if answers is None:  # the process is done (closed), or died
                self._stop(StoreError("the process that wrote to the database has stopped"))
                return
            self._settle(answers)

    def _settle(self, answers: Sequence[tuple[int, Any]]) -> None:
        for token, result in answers:
            with self._lock:
                done = self._waiting.pop(token, None)
            if done is not None:
                _resolve(done, result)

    def _stop(self, error: StoreError) -> None:
        """Every write still waiting fails with `error`, and every later one at once."""
        with self._lock:
            self._stopped = error
            waiting, self._waiting = list(self._waiting.values()), {}
        for done in waiting:
            _resolve(done, error)


def _resolve(done: Future, result: Any) -> None:
    if not done.set_running_or_notify_cancel():
        return  # its collection was cancelled meanwhile
    if isinstance(result, BaseException):
        done.set_exception(result)
    else:
        done.set_result(result)


def _serve(url: str, track_for: timedelta, inbox, outbox, parent: int) -> None:
    """The writer process: write batches until told to stop, or the parent is gone."""

    def answer(answers) -> None:
        outbox.put([(token, _sendable(result)) for token, result in answers])

    try:
        store = Store(url, create=False)
    except StoreError as error:  # every write handed over is answered with it
        _refuse_all(inbox, outbox, error, parent)
        return
    try:
        write_batches(store, track_for, Inbox(inbox, parent), answer)
    finally:
        store.close()
        outbox.put(None)
        outbox.close()
        outbox.join_thread()


def _refuse_all(inbox, outbox, error: StoreError, parent: int) -> None:
    items = Inbox(inbox, parent)
    while (item := items.get()) is not None:
        outbox.put([(item[0], error)])
    outbox.put(None)
    outbox.close()
    outbox.join_thread()


def _sendable(result: Any) -> Any:
    return sendable(result) if isinstance(result, BaseException) else result
