"""Fleet nodes in network namespaces of their own, each with its own address.

Nothing may depend on the nodes sharing a loopback: each node runs in a namespace of its own
(10.19.0.11-13 on a bridge), reaches PostgreSQL and the sites through the bridge's address,
and the servers see three different clients. Needs root and `ip` (iproute2); skipped with
the reason elsewhere, and where PostgreSQL is not set up.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fault_server import FaultServer
from fleet_world import (
    CLOCKS_S,
    NODE_OPTIONS,
    POSTGRES_URL,
    Fleet,
    doing,
    events_since,
    gaps_by_host,
    respond_with,
    wait_for,
    write_config,
)
from platform_bodies import world
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL, reason="fleet tests need PostgreSQL: MONITOR_TEST_DATABASE_URL (.ci/run)"
)
BRIDGE, SUBNET = "m19br", "10.19.0"
HOST_ADDRESS = f"{SUBNET}.1"  # the bridge, on this side: PostgreSQL and the sites


@dataclass(frozen=True)
class Network:
    namespaces: tuple[str, ...]

    def address(self, index: int) -> str:
        return f"{SUBNET}.{11 + index}"

    def prefix(self, index: int) -> tuple[str, ...]:
        return ("ip", "netns", "exec", self.namespaces[index])


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


def tear_down(namespaces: tuple[str, ...]) -> None:
    for name in namespaces:
        with contextlib.suppress(subprocess.CalledProcessError):
            ip("netns", "delete", name)  # its end of the veth pair goes with it
    with contextlib.suppress(subprocess.CalledProcessError):
        ip("link", "delete", BRIDGE)


@pytest.fixture
def network() -> Iterator[Network]:
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("network namespaces need root and iproute2's `ip`")
    namespaces = tuple(f"m19n{index}" for index in range(3))
    tear_down(namespaces)  # what an interrupted run may have left
    try:
        ip("link", "add", BRIDGE, "type", "bridge")
        ip("addr", "add", f"{HOST_ADDRESS}/24", "dev", BRIDGE)
        ip("link", "set", BRIDGE, "up")
        for index, name in enumerate(namespaces):
            outside, inside = f"m19v{index}", f"m19v{index}ns"
            ip("netns", "add", name)
            ip("link", "add", outside, "type", "veth", "peer", "name", inside)
            ip("link", "set", outside, "master", BRIDGE)
            ip("link", "set", outside, "up")
            ip("link", "set", inside, "netns", name)
            ip("-n", name, "addr", "add", f"{SUBNET}.{11 + index}/24", "dev", inside)
            ip("-n", name, "link", "set", inside, "up")
            ip("-n", name, "link", "set", "lo", "up")
    except subprocess.CalledProcessError as error:
        tear_down(namespaces)
        pytest.skip(f"network namespaces cannot be made here: {error.stderr.strip()}")
    yield Network(namespaces)
    tear_down(namespaces)


class Forwarder:
    """PostgreSQL (on loopback only) offered on the bridge's address, byte for byte."""

    def __init__(self, listen: str, target: tuple[str, int]):
        self.listen, self.target = listen, target
        self.port = 0
        self.clients = 0  # connections passed on
        self._ready = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    def __enter__(self) -> Forwarder:
        self._thread.start()
        assert self._ready.wait(10)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    async def _main(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        server = await asyncio.start_server(self._client, self.listen, 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        await self._stop.wait()
        server.close()

    async def _client(self, reader, writer) -> None:
        self.clients += 1
        target_reader, target_writer = await asyncio.open_connection(*self.target)
        await asyncio.gather(_pipe(reader, target_writer), _pipe(target_reader, writer))


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()


@pytest.fixture
def database() -> str:
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return POSTGRES_URL


def test_nodes_in_their_own_network_namespaces_share_the_work(
    network: Network, database: str, tmp_path: Path
) -> None:
    count = 12
    sources = world(count)
    started = datetime.now(UTC)
    url = make_url(database)
    # Slow answers and one job at a time a node: the work reaches every node.
    respond = respond_with(sources, slow={s.feed_path(): 0.3 for s in sources})
    with (
        FaultServer(respond, hosts=3, address=HOST_ADDRESS) as server,
        Forwarder(HOST_ADDRESS, (url.host or "127.0.0.1", url.port or 5432)) as forwarder,
    ):
        seen_from = url.set(host=HOST_ADDRESS, port=forwarder.port)
        collect = "{interval: 1h, jitter: 0, per_host_interval: 100ms, timeout: 5s, max_retries: 0}"
        config = write_config(
            tmp_path, server, count, seen_from.render_as_string(hide_password=False), collect
        )
        fleet = Fleet(config, tmp_path, (*NODE_OPTIONS, "--concurrency", "1"))
        try:
            for index in range(3):
                fleet.start(f"ns{index}", prefix=network.prefix(index))
            wait_for(lambda: len(doing(database, "")) == 3, "three nodes up")
            wait_for(lambda: len(events_since(database, started)) == count, "every source")
        finally:
            codes = fleet.stop()
        entries = server.entries()
    assert codes == {"ns0": 0, "ns1": 0, "ns2": 0}, [fleet.log(n)[-2000:] for n in fleet.nodes]
    found = events_since(database, started)
    assert {len(attempts) for attempts in found.values()} == {1}
    assert all(ok for attempts in found.values() for _at, ok in attempts)
    assert {entry.request.peer for entry in entries} == {network.address(i) for i in range(3)}
    for port, gaps in gaps_by_host(entries).items():
        assert min(gaps) >= 0.1 - CLOCKS_S, (port, sorted(gaps)[:5])
    assert forwarder.clients > 0  # the nodes reached PostgreSQL through the bridge only
