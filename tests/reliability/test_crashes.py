"""kill -9 `monitor collect` at random moments, 20 times in a row, on SQLite.

After every kill the database must pass `PRAGMA integrity_check`, hold no duplicate post,
and hold each source's harvest whole or not at all (a harvest is one transaction). A
final uninterrupted collection must then leave exactly the rows that one uninterrupted
collection leaves in a fresh database.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fault_server import FaultServer, Reply, Request
from platform_bodies import answer, config_yaml, source_of, world

SEED = 1949
SOURCES = 150
HOSTS = 10
KILLS = 20
DELAY_S = 0.03  # per answer: stretches the collection so the kills land inside it
PROJECT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Project:
    folder: Path
    server: FaultServer

    def config(self, name: str) -> Path:
        """A configuration file for the database `name`.db."""
        path = self.folder / f"{name}.yaml"
        if not path.exists():
            bases = [self.server.base(h) for h in range(HOSTS)]
            database = f"sqlite:///{self.folder / name}.db"
            collect = "{per_host_interval: 1ms, timeout: 10s, max_retries: 0}"
            path.write_text(config_yaml(world(SOURCES), bases, database, collect))
        return path

    def database(self, name: str) -> Path:
        return self.folder / f"{name}.db"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    sources = world(SOURCES)

    def respond(request: Request) -> Reply:
        source = source_of(request, sources)
        if source is None:
            return Reply(404, label="unknown")
        healthy = answer(source, request, version=0)
        return Reply(healthy.status, healthy.body, healthy.headers, delay_s=DELAY_S)

    with FaultServer(respond, hosts=HOSTS) as server:
        yield Project(tmp_path_factory.mktemp("crashes"), server)


def start_collect(config: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", "collect", "-c", str(config)],
        cwd=PROJECT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "COLUMNS": "200"},
        start_new_session=True,  # its own process group: the kill reaches its parse workers
    )


def collect(config: Path) -> float:
    """One uninterrupted `monitor collect`; its wall time."""
    began = time.monotonic()
    process = start_collect(config)
    _out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err.decode()
    return time.monotonic() - began


def kill_at(config: Path, seconds: float) -> None:
    process = start_collect(config)
    time.sleep(seconds)
    os.killpg(process.pid, signal.SIGKILL)  # kill -9, the collector and its workers at once
    process.wait(10)
    process.stderr.close()


def query(database: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(database) as connection:
        return connection.execute(sql).fetchall()


def posts_per_source(database: Path) -> dict[str, int]:
    rows = query(
        database,
        "SELECT s.kind || ':' || s.target, count(p.id) FROM sources s "
        "LEFT JOIN posts p ON p.source_id = s.id GROUP BY s.id",
    )
    return dict(rows)


def content(database: Path) -> dict[str, list[tuple]]:
    """What a user sees, without row ids and observation times: posts, counts, audience."""
    key = "s.kind || ':' || s.target"
    return {
        "posts": query(
            database,
            f"SELECT {key}, p.external_id, p.url, p.title, p.text, p.published_at, "
            "p.media_type, p.hashtags, p.is_repost, p.likes, p.replies, p.reposts, p.quotes, "
            "p.views FROM posts p JOIN sources s ON s.id = p.source_id ORDER BY 1, 2",
        ),
        "post_counts": query(
            database,
            f"SELECT {key}, p.external_id, c.likes, c.replies, c.reposts, c.quotes, c.views "
            "FROM post_counts c JOIN posts p ON p.id = c.post_id "
            "JOIN sources s ON s.id = p.source_id ORDER BY 1, 2",
        ),
        "account_counts": query(
            database,
            f"SELECT {key}, a.followers, a.following, a.posts_total FROM account_counts a "
            "JOIN sources s ON s.id = a.source_id ORDER BY 1",
        ),
    }


def test_killed_collections_never_corrupt_and_the_next_one_completes(project: Project) -> None:
    reference = project.config("reference")
    uninterrupted_s = collect(reference)
    expected = posts_per_source(project.database("reference"))
    assert sum(expected.values()) > SOURCES * 5  # every source gave its posts

    crashed = project.config("crashed")
    database = project.database("crashed")
    rng = random.Random(SEED)
    inside = 0  # kills that landed while harvests were being written
    events_before = 0
    for kill in range(KILLS):
        kill_at(crashed, rng.uniform(0.15, 0.95) * uninterrupted_s)
        if not database.exists():
            continue  # killed before the database was created: nothing to check
        assert query(database, "PRAGMA integrity_check") == [("ok",)], f"kill {kill}"
        duplicates = query(
            database,
            "SELECT source_id, external_id FROM posts GROUP BY 1, 2 HAVING count(*) > 1",
        )
        assert duplicates == [], f"kill {kill}"
        for source, count in posts_per_source(database).items():
            assert count in (0, expected[source]), f"kill {kill}: {source} half written"
        events = query(database, "SELECT count(*) FROM source_events")[0][0]
        inside += 0 < events - events_before < SOURCES
        events_before = events
    assert inside >= 3, "the kills must land inside collections, not only before or after"

    collect(crashed)
    assert content(database) == content(project.database("reference"))
