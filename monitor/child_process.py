"""What the collector's child processes (parsing workers, the writer) share.

Work goes to a child through a pipe of its own: the event loop pickles each item and writes
it without ever blocking (what the pipe cannot take yet waits in a buffer, written as the
pipe drains). A multiprocessing queue pickles in a thread of its own instead, and each of
that thread's turns made the event loop wait for the interpreter lock at its next system
call: 0.7 s of a 1,000-feed cycle. The child reads its pipe until the parent closes it, or is
gone (killed with kill -9, its end of the pipe is closed all the same), and sends back
results and errors; an error that does not pickle crosses as a RuntimeError that names it.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import pickle
import queue
import select
from collections.abc import Callable
from multiprocessing import forkserver
from multiprocessing.connection import Connection
from typing import Any

# A cycle of this many sources or more is large: it parses and writes in child processes,
# where the machine has a core to spare. Below it, starting them costs more than it saves.
LARGE_CYCLE = 50
_LENGTH = 8  # bytes that give the size of each pickled item ahead of it
_READ_SIZE = 1 << 16
_JOIN_POLL_S = 0.1  # how long join_reading() waits at a time for answers, or the end


def children_for(sources: int) -> bool:
    """Whether a cycle of `sources` gives its parsing and its writes to child processes."""
    return sources >= LARGE_CYCLE and (os.cpu_count() or 1) > 1


def start_forkserver() -> None:
    """The fork server started now, without waiting for it: its own start (an interpreter and
    its imports, 60-90 ms) then overlaps with the caller's work until the first child."""
    forkserver.ensure_running()


def start_child(
    target: Callable[..., None], *args: Any, **options: Any
) -> tuple[Any, Outbox, Connection]:
    """`target(work, answering, *args)` in a child: the process, the Outbox of its work and the
    end its answers are read from. The child's ends are closed here: when it ends or dies, its
    answers read as closed."""
    context = multiprocessing.get_context("forkserver")  # no fork of a threaded process
    work, giving = context.Pipe(duplex=False)
    answers, answering = context.Pipe(duplex=False)
    process = context.Process(target=target, args=(work, answering, *args), daemon=True, **options)
    process.start()
    work.close()
    answering.close()
    return process, Outbox(giving), answers


def join_reading(process: Any, answers: Connection, read: Callable[[], bool]) -> None:
    """Wait for the child to end, reading its answers meanwhile (`read()`, False once there
    are no more): a child blocked on a full pipe of answers nobody reads would never end."""
    while process.is_alive():
        if answers.poll(_JOIN_POLL_S) and not read():
            break
    process.join()


class Outbox:
    """The parent's end of a child's work pipe: items pickled and written from the event loop."""

    def __init__(self, connection: Connection):
        self._connection = connection
        self._fd = connection.fileno()
        os.set_blocking(self._fd, False)
        self._pending = bytearray()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._gone = False  # the child has closed its end

    def send(self, item: Any) -> None:
        data = pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
        framed = len(data).to_bytes(_LENGTH, "big") + data
        if self._pending:  # behind what waits already
            self._pending += framed
            return
        written = self._write(framed)
        if written < len(framed):
            self._pending += framed[written:]
            self._loop = asyncio.get_running_loop()
            self._loop.add_writer(self._fd, self._drain)

    def close(self, answers: Connection | None = None, read: Callable[[], bool] = bool) -> None:
        """What waits written out (this waits), then the pipe closed: the child reads its end.

        With `answers`, the child's answers are read meanwhile (`read()`, False once the child
        is gone), so that neither side can wait for the other on a full pipe."""
        self._stop_draining()
        while self._pending and not self._gone:
            readable, writable, _ = select.select([answers] if answers else [], [self._fd], [])
            if writable:
                del self._pending[: self._write(self._pending)]
            if readable and not read():
                break
        self._connection.close()

    def discard(self) -> None:
        """Forget what waits (nobody waits for it any more)."""
        self._stop_draining()
        self._pending.clear()

    def _drain(self) -> None:
        del self._pending[: self._write(self._pending)]
        if not self._pending:
            self._stop_draining()

    def _stop_draining(self) -> None:
        if self._loop is not None:
            if not self._loop.is_closed():
                self._loop.remove_writer(self._fd)
            self._loop = None

    def _write(self, data: bytes | bytearray) -> int:
        try:
            return os.write(self._fd, data)
        except BlockingIOError:
            return 0
        except BrokenPipeError:  # the child is gone: its answers' pipe says so to the waiting
            self._gone = True
            self._pending.clear()
            return len(data)


class Inbox:
    """A child's end of its work pipe, read until the parent closes it or is gone."""

    def __init__(self, connection: Connection):
        self._fd = connection.fileno()
        self._buffer = bytearray()
        self._ended = False

    def get(self, timeout: float | None = None) -> Any:
        """The next item; None once the parent has closed the pipe or is gone; with a
        timeout, queue.Empty when no whole item came in time."""
        while (item := self._next()) is _INCOMPLETE:
            if self._ended:
                return None
            if timeout is not None and not select.select([self._fd], [], [], timeout)[0]:
                raise queue.Empty
            chunk = os.read(self._fd, _READ_SIZE)
            self._ended = not chunk
            self._buffer += chunk
        return item

    def _next(self) -> Any:
        if len(self._buffer) < _LENGTH:
            return _INCOMPLETE
        end = _LENGTH + int.from_bytes(self._buffer[:_LENGTH], "big")
        if len(self._buffer) < end:
            return _INCOMPLETE
        item = pickle.loads(self._buffer[_LENGTH:end])
        del self._buffer[:end]
        return item


_INCOMPLETE = object()


def sendable(error: BaseException) -> BaseException:
    """The error, or one that can cross to the other process (not every error pickles)."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error
