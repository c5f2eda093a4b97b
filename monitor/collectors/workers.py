"""Worker processes that run pure parsers while the event loop keeps fetching.

Each worker has a pipe of work (child_process.Outbox: written from the event loop, never
blocking it) and a pipe of answers, which the event loop reads as soon as it can be read:
no thread in between, and no hop from a thread back to the loop for each answer
(concurrent.futures' process pool spent 0.45 ms of the collector's CPU an answer on that).
Work goes to the worker with the least of it waiting.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
from collections.abc import Callable
from typing import Any

from monitor.child_process import Inbox, Outbox, join_reading, sendable, start_child


class ParsingWorkers:
    """`workers` processes, started at the first `await run(function, *args)`; then close()."""

    def __init__(self, workers: int):
        self._workers = workers
        self._work: list[Outbox] = []
        self._answers: list[Any] = []
        self._processes: list[Any] = []
        self._queued: list[int] = []  # items sent to each worker and not yet answered
        self._waiting: dict[int, tuple[asyncio.Future, int]] = {}  # token: (future, worker)
        self._tokens = itertools.count()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._broken: Exception | None = None

    def _start(self) -> None:
        """The workers, at the first parse: a cycle where every feed is unchanged needs none."""
        self._loop = asyncio.get_running_loop()
        for worker in range(self._workers):
            process, work, answers = start_child(_work)
            self._work.append(work)
            self._answers.append(answers)
            self._processes.append(process)
            self._queued.append(0)
            self._loop.add_reader(answers.fileno(), self._answer, worker)

    async def run(self, function: Callable[..., Any], *args: Any) -> Any:
        """`function(*args)` in a worker: its value, or the error it raised."""
        if self._loop is None:
            self._start()
        if self._broken is not None:
            raise self._broken
        token = next(self._tokens)
        worker = min(range(self._workers), key=self._queued.__getitem__)
        future = asyncio.get_running_loop().create_future()
        self._waiting[token] = (future, worker)
        self._queued[worker] += 1
        self._work[worker].send((token, function, args))
        try:
            return await future
        finally:
            if self._waiting.pop(token, None) is not None:  # cancelled: never answered
                self._queued[worker] -= 1

    def close(self) -> None:
        if self._loop is None:
            return  # never started
        for work in self._work:
            work.discard()  # what no collection waits for any more
            work.close()  # the worker reads the end of its work, and stops
        for worker, process in enumerate(self._processes):
            join_reading(process, self._answers[worker], functools.partial(self._dropped, worker))
        if not self._loop.is_closed():
            for answers in self._answers:
                self._loop.remove_reader(answers.fileno())
        for answers in self._answers:
            answers.close()

    def _answer(self, worker: int) -> None:
        answers = self._answers[worker]
        try:
            token, ok, value = answers.recv()
        except (EOFError, OSError):  # a worker died: what it had taken is lost
            self._loop.remove_reader(answers.fileno())  # type: ignore[union-attr]
            self._break(RuntimeError("a parsing worker stopped in the middle of its work"))
            return
        waiting = self._waiting.pop(token, None)
        if waiting is None:
            return  # its collection was cancelled meanwhile
        future, _ = waiting
        self._queued[worker] -= 1
        if future.done():
            return
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)

    def _dropped(self, worker: int) -> bool:
        """An answer read at close, when nobody waits for it any more; False at the end."""
        try:
            self._answers[worker].recv()
        except (EOFError, OSError):
            return False
        return True

    def _break(self, error: Exception) -> None:
        self._broken = error
        waiting, self._waiting = list(self._waiting.values()), {}
        for future, _ in waiting:
            if not future.done():
                future.set_exception(error)


def _work(work, answering) -> None:
    """A worker: run what arrives until the parent closes the pipe, or is gone."""
    inbox = Inbox(work)
    while (item := inbox.get()) is not None:
        token, function, args = item
        try:
            answer = (token, True, function(*args))
        except Exception as error:  # the parser's to raise (SourceError): the caller's to handle
            answer = (token, False, sendable(error))
        answering.send(answer)
