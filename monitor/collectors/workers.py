"""Worker processes that run pure parsers while the event loop keeps fetching.

Work goes out through one queue that every worker reads (whoever is free takes the next);
each worker answers through a pipe of its own, which the event loop reads as soon as it can
be read: no thread in between, and no hop from a thread back to the loop for each answer
(concurrent.futures' process pool spent 0.45 ms of the collector's CPU an answer on that).
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Callable
from typing import Any

from monitor.child_process import Inbox, children, sendable


class ParsingWorkers:
    """`workers` processes, started at the first `await run(function, *args)`; then close()."""

    def __init__(self, workers: int):
        self._workers = workers
        self._work: Any = None
        self._answers: list[Any] = []
        self._processes: list[Any] = []
        self._waiting: dict[int, asyncio.Future] = {}
        self._tokens = itertools.count()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._broken: Exception | None = None

    def _start(self) -> None:
        """The workers, at the first parse: a cycle where every feed is unchanged needs none."""
        context = children()
        self._work = context.Queue()
        for _ in range(self._workers):
            answers, answering = context.Pipe(duplex=False)
            process = context.Process(
                target=_work, args=(self._work, answering, os.getpid()), daemon=True
            )
            process.start()
            answering.close()  # the worker's end: when it dies, its pipe reads as closed
            self._answers.append(answers)
            self._processes.append(process)
        self._loop = asyncio.get_running_loop()
        for answers in self._answers:
            self._loop.add_reader(answers.fileno(), self._answer, answers)

    async def run(self, function: Callable[..., Any], *args: Any) -> Any:
        """`function(*args)` in a worker: its value, or the error it raised."""
        if self._loop is None:
            self._start()
        if self._broken is not None:
            raise self._broken
        token = next(self._tokens)
        future = asyncio.get_running_loop().create_future()
        self._waiting[token] = future
        self._work.put((token, function, args))
        try:
            return await future
        finally:
            self._waiting.pop(token, None)

    def close(self) -> None:
        if self._work is None:
            return  # never started
        for _ in self._processes:
            self._work.put(None)
        for process in self._processes:
            process.join()
        self._work.close()
        if self._loop is not None and not self._loop.is_closed():
            for answers in self._answers:
                self._loop.remove_reader(answers.fileno())
        for answers in self._answers:
            answers.close()

    def _answer(self, answers) -> None:
        try:
            token, ok, value = answers.recv()
        except (EOFError, OSError):  # a worker died: what it had taken is lost
            self._loop.remove_reader(answers.fileno())  # type: ignore[union-attr]
            self._break(RuntimeError("a parsing worker stopped in the middle of its work"))
            return
        future = self._waiting.pop(token, None)
        if future is None or future.done():
            return  # its collection was cancelled meanwhile
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)

    def _break(self, error: Exception) -> None:
        self._broken = error
        waiting, self._waiting = list(self._waiting.values()), {}
        for future in waiting:
            if not future.done():
                future.set_exception(error)


def _work(work, answering, parent: int) -> None:
    """A worker: run what arrives until told to stop, or the parent is gone."""
    inbox = Inbox(work, parent)
    while (item := inbox.get()) is not None:
        token, function, args = item
        try:
            answer = (token, True, function(*args))
        except Exception as error:  # the parser's to raise (SourceError): the caller's to handle
            answer = (token, False, sendable(error))
        answering.send(answer)
