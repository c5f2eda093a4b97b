"""One connection pool per host, so a request costs the same whatever the number of hosts.

httpx keeps one pool for every host and, at each request and each response closed, checks
every connection in it (an expiry test and a socket poll each): at 100 hosts that was a
third of the collection's CPU, and with fewer connections than hosts every request opened a
new connection after closing another host's. The client asks a host for one answer at a
time (monitor.net), so each host's pool holds one kept-alive connection, and the pools of
the hosts least recently asked are closed past `keep_hosts`, so sockets stay bounded.
"""

from __future__ import annotations

import ssl
from collections import Counter, OrderedDict
from collections.abc import AsyncIterator, Callable
from typing import cast

import httpcore
import httpx

from monitor.net_backend import AsyncioBackend


class HostPools(httpx.AsyncBaseTransport):
    """An httpx transport that keeps a small pool for each host (host:port)."""

    def __init__(self, *, keep_hosts: int, ssl_context: ssl.SSLContext | None = None):
        self._keep_hosts = keep_hosts
        # One context for every pool: building one loads the CA bundle (milliseconds each).
        self._ssl_context = ssl_context or httpx.create_ssl_context()
        self._pools: OrderedDict[tuple[bytes, bytes, int | None], httpx.AsyncHTTPTransport] = (
            OrderedDict()
        )
        self._busy: Counter[tuple[bytes, bytes, int | None]] = Counter()

    @property
    def hosts_kept(self) -> int:
        return len(self._pools)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        key = (request.url.raw_scheme, request.url.raw_host, request.url.port)
        pool = self._pools.pop(key, None) or _HostTransport(self._ssl_context)
        self._pools[key] = pool  # the most recently asked last
        self._busy[key] += 1
        try:
            await self._close_least_recent()
            response = await pool.handle_async_request(request)
        except BaseException:
            self._done(key)
            raise
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_Tracked(cast(httpx.AsyncByteStream, response.stream), lambda: self._done(key)),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), OrderedDict()
        for pool in pools:
            await pool.aclose()

    def _done(self, key: tuple[bytes, bytes, int | None]) -> None:
        self._busy[key] -= 1
        if not self._busy[key]:
            del self._busy[key]

    async def _close_least_recent(self) -> None:
        """Close idle hosts' pools, oldest first, until at most `keep_hosts` are kept."""
        surplus = len(self._pools) - self._keep_hosts
        if surplus <= 0:
            return
        idle = [key for key in self._pools if key not in self._busy][:surplus]
        for key in idle:
            await self._pools.pop(key).aclose()


class _HostTransport(httpx.AsyncHTTPTransport):
    """httpx's transport for one host, its connections on asyncio's own streams."""

    def __init__(self, ssl_context: ssl.SSLContext):
        super().__init__(verify=ssl_context)
        # httpx takes no network backend; its pool is replaced by the same one built with it
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=4,
            max_keepalive_connections=1,
            keepalive_expiry=5.0,  # httpx's default
            network_backend=AsyncioBackend(),
        )


class _Tracked(httpx.AsyncByteStream):
    """A response body that tells its pool's owner when it is closed (the host is idle)."""

    def __init__(self, stream: httpx.AsyncByteStream, on_close: Callable[[], None]):
        self._stream = stream
        self._on_close = on_close
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            if not self._closed:
                self._closed = True
                self._on_close()
