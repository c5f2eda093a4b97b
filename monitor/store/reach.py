"""Opening the database at start, when its server may still be booting (PostgreSQL)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_exponential

from monitor.errors import DatabaseUnreachable
from monitor.store import Store

log = logging.getLogger("monitor.store")
T = TypeVar("T")


def open_when_reachable(
    url: str, wait_s: float, *, sleep: Callable[[float], None] = time.sleep
) -> Store:
    """The store, retried (see when_reachable)."""
    return when_reachable(lambda: Store(url), wait_s, sleep=sleep)


def when_reachable(
    call: Callable[[], T], wait_s: float, *, sleep: Callable[[float], None] = time.sleep
) -> T:
    """`call()` (opening the store, or a connection), retried with backoff (1 s doubling to
    30 s) for up to `wait_s` seconds while its server does not answer; then
    DatabaseUnreachable (exit 1, so systemd restarts the job). Any other database problem
    is raised at once: waiting would not mend it."""

    def tell(state) -> None:
        log.warning(
            "%s; trying again in %.0f s", state.outcome.exception(), state.next_action.sleep
        )

    retrying = Retrying(
        retry=retry_if_exception_type(DatabaseUnreachable),
        stop=stop_after_delay(wait_s),
        wait=wait_exponential(multiplier=1, min=1, max=30),
        before_sleep=tell,
        sleep=sleep,
        reraise=True,
    )
    return retrying(call)
