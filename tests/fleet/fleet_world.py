"""A loopback world and fleet nodes (`monitor worker` processes) for the fleet tests."""

from __future__ import annotations

import hashlib
import itertools
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from fault_server import FaultServer, Logged, Reply, Request
from platform_bodies import answer, config_yaml, source_of, world
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError

PROJECT = Path(__file__).resolve().parents[2]
POSTGRES_URL = os.environ.get("MONITOR_TEST_DATABASE_URL")
NODE_OPTIONS = ("--plan-every", "1s", "--heartbeat-every", "1s", "--stalled-after", "3s")
CLOCKS_S = 0.005  # the database's clock against this machine's monotonic one


def respond_with(sources, slow: dict[str, float] | None = None) -> Callable[[Request], Reply]:
    """Each source's healthy answer, with an ETag (a request that sends it back gets 304);
    a path in `slow` waits that long, the first time only."""
    slow = dict(slow or {})

    def respond(request: Request) -> Reply:
        source = source_of(request, sources)
        if source is None:
            return Reply(404, label="unknown")
        reply = answer(source, request, 0)
        etag = '"' + hashlib.sha256(reply.body).hexdigest()[:16] + '"'
        if request.headers.get("if-none-match") == etag:
            return Reply(304, b"", {"ETag": etag}, label="not modified")
        delay = slow.pop(request.path, 0.0)
        return replace(reply, headers={**reply.headers, "ETag": etag}, delay_s=delay)

    return respond


def write_config(folder: Path, server: FaultServer, count: int, database: str, collect: str,
                 extra: str = "") -> Path:  # fmt: skip
    bases = [server.base(h) for h in range(server.hosts)]
    path = folder / "monitor.yaml"
    path.write_text(config_yaml(world(count), bases, database, collect) + extra)
    return path


@dataclass
class Fleet:
    """Worker processes on one configuration; each one's log is a file of its own."""

    config: Path
    folder: Path
    options: tuple[str, ...] = ()
    nodes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, prefix: tuple[str, ...] = ()) -> subprocess.Popen:
        """A node; `prefix` runs it through another command (`ip netns exec NAME`)."""
        log = (self.folder / f"{name}.log").open("w")
        command = [*prefix, sys.executable, "-m", "monitor", "worker", "-c", str(self.config),
                   "--name", name, *self.options]  # fmt: skip
        process = subprocess.Popen(
            command, cwd=PROJECT, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(PROJECT)},
        )  # fmt: skip
        self.nodes[name] = process
        return process

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text()

    def stop(self, timeout: float = 30) -> dict[str, int]:
        """SIGTERM to every node still alive; their exit statuses."""
        for process in self.nodes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes = {}
        for name, process in self.nodes.items():
            try:
                codes[name] = process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                codes[name] = process.wait()
        return codes


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """A `monitor` command, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args], capture_output=True, text=True, cwd=PROJECT,
        env={**os.environ, "PYTHONPATH": str(PROJECT), "COLUMNS": "200"}, timeout=120,
    )  # fmt: skip


def wait_for(condition: Callable[[], object], what: str, timeout: float = 60) -> object:
    """Poll until `condition()` is truthy (ends as soon as it is); fail saying `what`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def gaps_by_host(entries: list[Logged]) -> dict[int, list[float]]:
    """Seconds between consecutive arrivals at each port (a port is a host to the client)."""
    arrivals: dict[int, list[float]] = defaultdict(list)
    for entry in entries:
        arrivals[entry.request.port].append(entry.at)
    return {
        port: [b - a for a, b in itertools.pairwise(sorted(times))]
        for port, times in arrivals.items()
    }


def rows(url: str, query: str, **params) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(query), params).all()
    finally:
        engine.dispose()


def events_since(url: str, since: datetime) -> dict[int, list[tuple[datetime, bool]]]:
    """Every collection attempt per source id since then: (at, ok)."""
    found: dict[int, list] = defaultdict(list)
    try:
        for source_id, at, ok in rows(
            url, "SELECT source_id, at, ok FROM source_events WHERE at >= :since ORDER BY at",
            since=since.replace(tzinfo=None),
        ):  # fmt: skip
            found[source_id].append((at, ok))
    except ProgrammingError:  # the first node has not made the tables yet
        return {}
    return found


def doing(url: str, what: str) -> list[tuple[str, int]]:
    """(name, pid) of the nodes doing `what` (all the nodes up, for "")."""
    try:
        return rows(url, "SELECT name, pid FROM nodes WHERE doing LIKE :what", what=f"%{what}%")
    except ProgrammingError:  # the first node has not made the tables yet
        return []
