"""Alert checks for the long-running job: one at a time, requests merged while one runs.

Collections finish in bursts (many sources due at once); each asks for a check of its
company. A check already running takes the companies asked for meanwhile in its next round,
so the store is read once per burst, not once per source, and no alert is sent twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection

from monitor.errors import MonitorError

log = logging.getLogger("monitor.alerts")


class AlertChecks:
    def __init__(self, check: Callable[[set[str]], object]):
        self._check = check
        self._guard = threading.Lock()
        self._wanted: set[str] = set()
        self._running = False

    def run(self, companies: Collection[str]) -> None:
        """Check `companies` now, or leave them to the check already running."""
        with self._guard:
            self._wanted |= set(companies)
            if self._running:
                return
            self._running = True
        try:
            while batch := self._take():  # the last, empty, take ends the run
                try:
                    self._check(batch)
                except MonitorError as error:  # the database or a setting: said, not fatal
                    log.error("alert check failed: %s", error)
        except BaseException:
            with self._guard:
                self._running = False
            raise

    def _take(self) -> set[str]:
        with self._guard:
            batch, self._wanted = self._wanted, set()
            if not batch:
                self._running = False
            return batch


def after_collections(job) -> AlertChecks | None:
    """The checks after each collection of a long-running job (`monitor run`, a fleet node:
    anything with config, store, clock, stopping and ssl_context); None when alerts are off.
    Each alert is claimed in the store before it is sent, so two nodes never send one twice."""
    settings = job.config.alerts
    if settings is None or not settings.enabled:
        return None
    from monitor.alerts import check_alerts

    def check(companies: set[str]) -> None:
        check_alerts(job.config, job.store, job.clock(), companies=companies,
                     sleep=job.stopping.wait, ssl_context=job.ssl_context)  # fmt: skip

    return AlertChecks(check)
