"""Peak resident memory of a process and all its descendants, sampled from /proc (Linux)."""

from __future__ import annotations

import os
import threading
from pathlib import Path


def tree_rss_bytes(root: int, exclude: frozenset[int] = frozenset()) -> int:
    """The resident memory of `root` and every process below it (but `exclude`'s), now."""
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        if pid in exclude:
            continue
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            total += next(int(line.split()[1]) * 1024 for line in status.splitlines()
                          if line.startswith("VmRSS:"))  # fmt: skip
            for task in Path(f"/proc/{pid}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue  # the process ended while we looked
    return total


class PeakSampler:
    """`with PeakSampler(pid) as peak:` ... `peak.mb`: the tree's peak, sampled every 50 ms."""

    def __init__(self, pid: int | None = None, *, exclude=(), every_s: float = 0.05):
        self.pid = pid or os.getpid()
        self.exclude = frozenset(exclude)
        self.every_s = every_s
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def mb(self) -> float:
        return self.peak / 1e6

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_bytes(self.pid, self.exclude))
            self._stop.wait(self.every_s)
