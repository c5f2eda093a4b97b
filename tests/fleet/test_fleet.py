"""Three `monitor worker` processes on one PostgreSQL, against loopback hosts.

Each source is collected once per interval across the fleet, no host ever gets two requests
closer than its interval (read from the servers' own request log), a node killed with
SIGKILL in the middle of a collection loses nothing (another node collects its source), and
the week's digest is sent once.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from fault_server import FaultServer
from fleet_world import (
    CLOCKS_S,
    NODE_OPTIONS,
    POSTGRES_URL,
    PROJECT,
    Fleet,
    cli,
    doing,
    events_since,
    gaps_by_host,
    respond_with,
    rows,
    wait_for,
    write_config,
)
from platform_bodies import BASE_POSTS, world
from sqlalchemy import create_engine, text

from monitor.config import load_config
from monitor.domain import Harvest
from monitor.instance_lock import instance_lock
from monitor.metrics import IsoWeek
from monitor.store import Store
from monitor.store.fleet import FleetStore
from monitor.sync import sync_sources

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL, reason="fleet tests need PostgreSQL: MONITOR_TEST_DATABASE_URL (.ci/run)"
)
HOSTS = 3


@pytest.fixture
def database() -> Iterator[str]:
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    yield POSTGRES_URL
    engine.dispose()


def test_each_source_once_per_interval_and_no_host_rushed(database: str, tmp_path: Path) -> None:
    count, interval_s, per_host_s = 12, 2, 0.2
    sources = world(count)
    started = datetime.now(UTC)
    with FaultServer(respond_with(sources), hosts=HOSTS) as server:
        collect = (f"{{interval: {interval_s}s, jitter: 0, per_host_interval: 200ms, "
                   "timeout: 5s, max_retries: 0}")  # fmt: skip
        config = write_config(tmp_path, server, count, database, collect)
        fleet = Fleet(config, tmp_path, (*NODE_OPTIONS, "--concurrency", "4"))
        try:
            for name in ("n1", "n2", "n3"):
                fleet.start(name)
            wait_for(lambda: len(doing(database, "")) == 3, "three nodes up")
            refused = cli("collect", "-c", str(config))  # it would collect beside the fleet
            wait_for(
                lambda: (
                    (found := events_since(database, started))
                    and len(found) == count
                    and all(len(attempts) >= 2 for attempts in found.values())
                ),
                "every source collected twice",
            )
        finally:
            codes = fleet.stop()
        entries = server.entries()
        assert server.errors == []
    assert codes == {"n1": 0, "n2": 0, "n3": 0}, [fleet.log(n)[-3000:] for n in fleet.nodes]
    assert refused.returncode == 1 and "fleet nodes" in refused.stderr, refused.stderr

    found = events_since(database, started)
    assert all(ok for attempts in found.values() for _at, ok in attempts)
    for source_id, attempts in found.items():  # once per interval: never sooner
        times = [at for at, _ok in attempts]
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
        assert min(gaps) >= interval_s - CLOCKS_S, (source_id, gaps)
    # Every collection is one visit to the source's feed: nothing fetched and not recorded.
    ids = dict(rows(database, "SELECT target, id FROM sources"))
    visits = Counter(entry.request.path for entry in entries)
    for source in sources:
        if source.kind == "feed":
            url = next(t for t in ids if t.endswith(source.feed_path()))
            assert visits[source.feed_path()] == len(found[ids[url]]), source.feed_path()
    for port, gaps in gaps_by_host(entries).items():
        assert min(gaps) >= per_host_s - CLOCKS_S, (port, sorted(gaps)[:5])
    busy = [name for name in fleet.nodes if "new posts" in fleet.log(name)]
    assert len(busy) >= 2, "the work was shared"
    # Conditional GET across the fleet: every visit to a feed after the first sends back the
    # ETag the first one got (whichever node made it) and is answered 304.
    for source in sources:
        if source.kind == "feed":
            first, *later = server.requests_to(source.feed_path())
            assert first.status == 200 and later
            assert all(e.status == 304 and "if-none-match" in e.request.headers for e in later)
    assert any(moved_between_nodes(fleet, source) for source in sources if source.kind == "feed")


def moved_between_nodes(fleet: Fleet, source) -> bool:
    """Whether two nodes collected this feed (each logs the sources it collected)."""
    return sum(source.feed_path() in fleet.log(name) for name in fleet.nodes) >= 2


class Mailbox:
    def __init__(self) -> None:
        self.received: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope.content)
        return "250 OK"


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    handler = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.port = port
    yield handler
    controller.stop()


def read_last_week(config_path: Path) -> str:
    """Every source read once last week (its digest has its coverage); the week's label."""
    config = load_config(config_path)
    moment = datetime.now(UTC) - timedelta(days=7)
    with Store(config.database) as store:
        sync_sources(config, store)
        for record in store.sources():
            harvest = Harvest(observed_at=moment, posts=())
            store.save_harvest(
                record.id, harvest, track_engagement_for=timedelta(days=14), next_due_at=moment
            )
    return IsoWeek.last_complete(datetime.now(UTC), config.report.timezone).label


def arm_digest(url: str) -> None:
    """The digest falls due (as one missed while the fleet was down): the next plan sends it."""
    with Store(url) as store:
        FleetStore(store).set_next("digest", datetime.now(UTC) - timedelta(days=1))


def test_a_node_killed_mid_collection_loses_nothing_and_the_digest_is_sent_once(
    database: str, tmp_path: Path, mailbox: Mailbox
) -> None:
    count = 12
    sources = world(count)
    slow = sources[4]  # an RSS feed whose first answer takes 2 s: the node is killed meanwhile
    started = datetime.now(UTC)
    respond = respond_with(sources, slow={slow.feed_path(): 2.0})
    with FaultServer(respond, hosts=HOSTS) as server:
        extra = (
            f"report: {{schedule: mon 08:00, timezone: Europe/Rome, "
            f"recipients: [ceo@ourco.example], outbox: '{tmp_path / 'reports'}'}}\n"
            f"email: {{host: 127.0.0.1, port: {mailbox.port}, security: none, timeout: 10s, "
            "from: 'Competitor Monitor <monitor@ourco.example>'}\n"
        )
        collect = "{interval: 1h, jitter: 0, per_host_interval: 100ms, timeout: 3s, max_retries: 0}"
        config = write_config(tmp_path, server, count, database, collect, extra)
        week = read_last_week(config)
        fleet = Fleet(config, tmp_path, (*NODE_OPTIONS, "--concurrency", "4"))
        try:
            for name in ("n1", "n2", "n3"):
                fleet.start(name)
            [(victim, pid)] = wait_for(
                lambda: server.requests_to(slow.feed_path()) and doing(database, slow.company),
                "a node collecting the slow feed",
            )
            os.kill(pid, signal.SIGKILL)
            fleet.nodes[victim].wait(10)
            arm_digest(database)  # now, so that the killed node was not the one sending it
            wait_for(
                lambda: (
                    (found := events_since(database, started))
                    and len(found) == count
                    and mailbox.received
                ),
                "every source collected and the digest sent",
            )
            sent = rows(database, "SELECT status, attempts FROM deliveries WHERE week = :w", w=week)
        finally:
            codes = fleet.stop()
        slow_visits = len(server.requests_to(slow.feed_path()))
    survivors = {n: c for n, c in codes.items() if n != victim}
    assert survivors == dict.fromkeys(survivors, 0)
    assert codes[victim] == -signal.SIGKILL

    found = events_since(database, started)
    assert {len(attempts) for attempts in found.values()} == {1}  # each source once
    assert all(ok for attempts in found.values() for _at, ok in attempts)
    assert slow_visits == 2  # the killed node's visit, then another node's
    posts = dict(rows(database, "SELECT source_id, COUNT(*) FROM posts GROUP BY source_id"))
    assert set(posts.values()) == {BASE_POSTS}, posts  # every harvest whole, none twice
    assert any("taken back" in fleet.log(n) for n in survivors)

    assert sent == [("sent", 1)]
    assert len(mailbox.received) == 1
    assert b"Subject:" in mailbox.received[0]

    # `monitor status`: the killed node is silent (degraded), the others stopped cleanly.
    status = cli("status", "--json", "-c", str(config))
    health = json.loads(status.stdout)
    states = {node["name"]: node["state"] for node in health["nodes"]}
    assert states == {**dict.fromkeys(survivors, "stopped"), victim: "silent"}
    assert status.returncode == 1
    assert any(f"fleet node {victim}" in problem for problem in health["problems"])


def test_a_node_does_not_start_beside_monitor_run(database: str, tmp_path: Path) -> None:
    with FaultServer(respond_with(world(2)), hosts=1) as server:
        config = write_config(tmp_path, server, 2, database, "{interval: 1h}")
        with Store(database) as store, instance_lock(store):  # what `monitor run` holds
            refused = cli("worker", "-c", str(config), "--wait-for-database", "5s")
    assert refused.returncode == 1
    assert "`monitor run` (or `monitor collect`) is using the database" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_monitor_run_with_workers_runs_fleet_nodes_here(database: str, tmp_path: Path) -> None:
    count = 6
    started = datetime.now(UTC)
    with FaultServer(respond_with(world(count)), hosts=2) as server:
        config = write_config(tmp_path, server, count, database, "{interval: 1h}")
        log = (tmp_path / "run.log").open("w")
        job = subprocess.Popen(
            [sys.executable, "-m", "monitor", "run", "-c", str(config), "--workers", "2"],
            cwd=PROJECT, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(PROJECT)},
        )  # fmt: skip
        try:
            wait_for(lambda: len(events_since(database, started)) == count, "every source")
            wait_for(lambda: len(doing(database, "idle")) == 2, "two nodes, idle")
        finally:
            job.send_signal(signal.SIGTERM)
            code = job.wait(60)
    assert code == 0, (tmp_path / "run.log").read_text()[-3000:]
    assert rows(database, "SELECT doing FROM nodes") == [("stopped",), ("stopped",)]
