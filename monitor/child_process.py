"""What the collector's child processes (parsing workers, the writer) share.

Each reads its work from a queue until it is told to stop, or until the process that
started it is gone (killed with kill -9: nobody will tell it), and sends back results and
errors; an error that does not pickle crosses as a RuntimeError that names it.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
from multiprocessing import forkserver
from multiprocessing.context import BaseContext
from typing import Any

ALIVE_CHECK_S = 1.0  # how often a waiting side looks whether the other one is still there


def children() -> BaseContext:
    """What the children start from: a fork server (no fork of a threaded process)."""
    return multiprocessing.get_context("forkserver")


def start_forkserver() -> None:
    """The fork server started now, without waiting for it: its own start (an interpreter and
    its imports, 60-90 ms) then overlaps with the caller's work until the first child."""
    forkserver.ensure_running()


class Inbox:
    """A child's work queue, read until None arrives or the parent process is gone."""

    def __init__(self, work: Any, parent: int):
        self._work = work
        self._parent = parent

    def get(self, timeout: float | None = None) -> Any:
        """The next item; with a timeout, queue.Empty when none came in time."""
        if timeout is not None:
            return self._work.get(timeout=timeout)
        while True:
            try:
                return self._work.get(timeout=ALIVE_CHECK_S)
            except queue.Empty:
                if not alive(self._parent):
                    return None


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # there, under another user
        return True
    return True


def sendable(error: BaseException) -> BaseException:
    """The error, or one that can cross to the other process (not every error pickles)."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error
