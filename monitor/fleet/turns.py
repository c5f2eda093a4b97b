"""One request at a time per host across the fleet, the next one not before its interval.

Each node's HttpClient already keeps its own requests to a host one at a time and apart
(monitor/net.py); this adds the fleet's turn around each request, kept in the shared
database (`host_turns`) and timed by the database's clock, so nodes whose clocks differ
still agree. The interval runs from the end of the previous request, whichever node made
it: the gap a server sees between two requests is never shorter. A node that dies holding
a turn leaves a lease that ends `lease_s` later (the request timeout and a margin).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from monitor.store.fleet import ADD_HOST, END_TURN, TAKE_TURN

# A turn held longer than the request timeout plus this is free for others (its node died).
LEASE_MARGIN_S = 3.0
# Between two looks at a host held by another node when no interval is set.
MIN_POLL_S = 0.02

# psycopg-style query runners: (query, **arguments) -> rows, as the task engine's connector has.
QueryAll = Callable[..., Awaitable[list[dict[str, Any]]]]
Query = Callable[..., Awaitable[Any]]


class HostTurns:
    """`async with turns(host, interval_s):` around one request; hand it to HttpClient."""

    def __init__(self, query_all: QueryAll, query: Query, node: str, timeout_s: float):
        self._query_all = query_all
        self._query = query
        self._node = node
        self._lease_s = timeout_s + LEASE_MARGIN_S
        self._numbers = itertools.count()
        self._known: set[str] = set()
        self.waits = 0  # how often a request waited for another node (for benchmarks, logs)

    def __call__(self, host: str, interval_s: float):
        return self._turn(host, interval_s)

    @asynccontextmanager
    async def _turn(self, host: str, interval_s: float) -> AsyncIterator[None]:
        holder = f"{self._node}#{next(self._numbers)}"
        await self._take(host, holder, interval_s)
        try:
            yield
        finally:
            # even when the request was cancelled: the turn is given back, not left to expire
            await asyncio.shield(
                self._query(END_TURN, host=host, holder=holder, interval_s=interval_s)
            )

    async def _take(self, host: str, holder: str, interval_s: float) -> None:
        while True:
            rows = await self._query_all(TAKE_TURN, host=host, holder=holder, lease_s=self._lease_s)
            if not rows:  # the first request to this host anywhere
                await self._query(ADD_HOST, host=host)
                continue
            [row] = rows
            if row["taken"]:
                return
            self.waits += 1
            # Held by another node: it ends no sooner than its request does, plus the interval.
            wait_s = max(interval_s, MIN_POLL_S) if row["busy"] else max(row["wait_s"], MIN_POLL_S)
            await asyncio.sleep(wait_s)
