"""Peak memory of this process over a block of code, from Linux's resident-set high-water mark."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Peak:
    growth_bytes: int = 0  # the peak resident set during the block, above the start


def resident_kib(field: str = "VmRSS", pid: int | str = "self") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(f"{field} is not in /proc/{pid}/status")


@contextmanager
def peak_rss() -> Iterator[Peak]:
    """Unlike tracemalloc, counts C allocations too (lxml, zlib) and costs nothing."""
    Path("/proc/self/clear_refs").write_text("5")  # 5: reset the high-water mark to now
    start = resident_kib("VmRSS")
    peak = Peak()
    yield peak
    peak.growth_bytes = (resident_kib("VmHWM") - start) * 1024
