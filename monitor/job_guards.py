"""What the long-running job checks under itself: the database file, and the wall clock.

A database file deleted or replaced under `monitor run` is found at the next collection,
and the job stops with a plain error instead of writing into a file that is gone. A clock
set back (by hand, by a bad NTP server, a restored VM snapshot) would leave every job
waiting for times now far ahead: the job notices and plans from the new time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from monitor.store import SourceRecord

log = logging.getLogger("monitor.scheduler")

CLOCK_CHECK_S = 30.0  # how often the job compares the wall clock with elapsed time
CLOCK_JUMP = timedelta(minutes=2)  # a clock set back by more than this is a jump, not drift


def clock_went_back(record: SourceRecord, now: datetime) -> bool:
    """Whether the source was last tried "in the future": the clock was set back since.

    Its next_due_at is then far ahead too, and must not be read as a failing source's
    backoff (which would skip it for as long as the jump).
    """
    return record.last_attempt_at is not None and record.last_attempt_at - now > CLOCK_JUMP


async def watch_clock(
    clock: Callable[[], datetime],
    on_jump_back: Callable[[datetime, timedelta], None],
    check_s: float = CLOCK_CHECK_S,
) -> None:
    """Call `on_jump_back(now, jump)` whenever the wall clock falls behind elapsed time."""
    wall, steady = clock(), time.monotonic()
    while True:
        await asyncio.sleep(check_s)
        now, elapsed = clock(), time.monotonic() - steady
        jump = wall + timedelta(seconds=elapsed) - now
        if jump > CLOCK_JUMP:
            log.warning(
                "the clock went back by %s; the collections are planned again from %s",
                str(jump).split(".")[0],
                now.isoformat(timespec="seconds"),
            )
            on_jump_back(now, jump)
        wall, steady = now, time.monotonic()
