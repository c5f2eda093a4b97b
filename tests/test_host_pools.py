"""One connection pool per host: kept-alive connections reused, sockets bounded, none cut."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
import pytest

from monitor.config import CollectSettings
from monitor.host_pools import HostPools
from monitor.net import HttpClient


@dataclass
class Host:
    """A keep-alive HTTP/1.1 server on loopback that counts its connections."""

    body: bytes = b"hello"
    opened: int = 0
    closed: int = 0
    requests: list[str] = field(default_factory=list)
    hold: asyncio.Event | None = None  # answers wait for it when set
    port: int = 0

    async def start(self) -> asyncio.Server:
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        return server

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/feed"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.opened += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                self.requests.append(head.split(b"\r\n")[0].decode())
                if self.hold:
                    await self.hold.wait()
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(self.body), self.body)
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            self.closed += 1
        finally:
            writer.close()


async def started(count: int) -> tuple[list[Host], list[asyncio.Server]]:
    hosts = [Host(body=f"host {i}".encode()) for i in range(count)]
    return hosts, [await host.start() for host in hosts]


def collect_settings(concurrency: int) -> CollectSettings:
    return CollectSettings(
        concurrency=concurrency, per_host_interval=timedelta(0), timeout=timedelta(seconds=10)
    )


@pytest.mark.parametrize("no_proxy", [None, "intranet.example"])
def test_each_host_keeps_its_connection_with_more_hosts_than_requests_in_flight(
    monkeypatch: pytest.MonkeyPatch, no_proxy: str | None
):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    if no_proxy:  # NO_PROXY alone names no proxy
        monkeypatch.setenv("NO_PROXY", no_proxy)

    async def go() -> list[Host]:
        hosts, servers = await started(3)
        async with HttpClient(collect_settings(concurrency=2)) as client:
            for _ in range(4):
                answers = await asyncio.gather(*(client.get(h.url) for h in hosts))
                assert [a.content for a in answers] == [h.body for h in hosts]
        for server in servers:
            server.close()
        return hosts

    hosts = asyncio.run(go())
    # httpx's one pool of 2 connections for 3 hosts closed one to open another at each turn
    assert [len(h.requests) for h in hosts] == [4, 4, 4]
    assert [h.opened for h in hosts] == [1, 1, 1]


def test_the_hosts_least_recently_asked_are_let_go_past_the_limit():
    async def go() -> tuple[list[Host], int]:
        hosts, servers = await started(4)
        pools = HostPools(keep_hosts=2)
        async with httpx.AsyncClient(transport=pools) as client:
            for host in hosts:
                assert (await client.get(host.url)).content == host.body
            kept = pools.hosts_kept
            await asyncio.sleep(0.05)  # the servers see the closed sockets
            closed_before_reuse = [h.closed for h in hosts]
            await client.get(hosts[0].url)  # let go: asked again on a new connection
        for server in servers:
            server.close()
        assert closed_before_reuse == [1, 1, 0, 0]
        return hosts, kept

    hosts, kept = asyncio.run(go())
    assert kept == 2
    assert [h.opened for h in hosts] == [2, 1, 1, 1]


def test_a_host_still_answering_is_never_let_go():
    async def go() -> bytes:
        hosts, servers = await started(3)
        slow = hosts[0]
        slow.hold = asyncio.Event()
        async with httpx.AsyncClient(transport=HostPools(keep_hosts=1)) as client:
            pending = asyncio.ensure_future(client.get(slow.url))
            while not slow.requests:
                await asyncio.sleep(0.01)
            for host in hosts[1:]:  # past the limit while the slow host still owes its answer
                assert (await client.get(host.url)).content == host.body
            slow.hold.set()
            answer = await pending
        for server in servers:
            server.close()
        return answer.content

    assert asyncio.run(go()) == b"host 0"


def test_a_proxy_set_in_the_environment_carries_the_requests(monkeypatch: pytest.MonkeyPatch):
    async def go() -> tuple[bytes, Host]:
        proxy = Host(body=b"through the proxy")
        server = await proxy.start()
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        async with HttpClient(collect_settings(concurrency=2)) as client:
            answer = await client.get("http://feeds.acme.example/feed")
        server.close()
        return answer.content, proxy

    content, proxy = asyncio.run(go())
    assert content == b"through the proxy"
    assert proxy.requests == ["GET http://feeds.acme.example/feed HTTP/1.1"]
