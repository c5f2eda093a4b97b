"""Bad state through the command line: one clear message, exit 2 or 1, no traceback, no loss.

A corrupt SQLite file (garbage, or a real database with damaged pages), a database from a
newer version of the program, an outbox that cannot be written (a file in its place, a
read-only disk, a full disk) and a database on a full disk.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fault_server import FaultServer, Reply, Request
from platform_bodies import answer, config_yaml, source_of, world
from sqlalchemy import event
from typer.testing import CliRunner

import monitor.store as store_module
from monitor.cli import app
from monitor.collect import run_cycle
from monitor.config import load_config
from monitor.store import Store
from monitor.sync import sync_sources

SOURCES = 12
WEEK = "2026-W47"  # the generated posts are in it
PROJECT = Path(__file__).resolve().parents[2]
NOW_OF_DATA = "2026-11-20T12:00:00+00:00"


@dataclass(frozen=True)
class Setup:
    folder: Path
    config: Path
    database: Path
    outbox: Path


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    sources = world(SOURCES)

    def respond(request: Request) -> Reply:
        source = source_of(request, sources)
        if source is None:
            return Reply(404, label="unknown")
        return answer(source, request, version=running.version)  # type: ignore[attr-defined]

    with FaultServer(respond, hosts=2) as running:
        running.version = 1  # type: ignore[attr-defined]
        yield running


@pytest.fixture
def setup(server: FaultServer, tmp_path: Path) -> Setup:
    """A project with a collected database and an outbox holding last week's digest."""
    database, outbox = tmp_path / "monitor.db", tmp_path / "reports"
    text = config_yaml(
        world(SOURCES),
        [server.base(0), server.base(1)],
        f"sqlite:///{database}",
        "{per_host_interval: 1ms, max_retries: 0, timeout: 5s}",
    )
    config = tmp_path / "monitor.yaml"
    config.write_text(text + f"report: {{outbox: '{outbox}', recipients: [ceo@ourco.example]}}\n")
    loaded = load_config(config)
    with Store(loaded.database) as store:
        sync_sources(loaded, store)
        report = asyncio.run(run_cycle(loaded, store))
        assert report.failed == 0
    return Setup(tmp_path, config, database, outbox)


def cli(setup: Setup, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args, "-c", str(setup.config)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=120,
    )


def assert_one_clear_message(result, status: int, *words: str) -> str:
    """Exit `status`, one 'Error:' line on stderr, no traceback; returns the line.

    `result` is a finished subprocess or a CliRunner result.
    """
    code = getattr(result, "returncode", getattr(result, "exit_code", None))
    stderr = result.stderr
    assert code == status, (code, stderr)
    assert "Traceback" not in stderr and 'File "' not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def fingerprint(path: Path) -> str:
    """The bytes of a file, or of every file of a folder (names and contents)."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(str(file.relative_to(path.parent)).encode() + file.read_bytes())
    return digest.hexdigest()


def database_rows(database: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(database) as connection:
        tables = [
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        return {t: connection.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in tables}


# --- the database ------------------------------------------------------------------------

COMMANDS = [("collect",), ("report", "--week", WEEK), ("status",)]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_a_file_that_is_not_a_database_is_refused_and_left_alone(
    setup: Setup, command: tuple[str, ...]
) -> None:
    setup.database.unlink()
    setup.database.write_bytes(b"Acme quarterly plan\n" * 500)
    before = fingerprint(setup.database)
    result = cli(setup, *command)
    assert_one_clear_message(result, 2, "cannot use the database", "not a database")
    assert fingerprint(setup.database) == before


DAMAGED = ("posts", "post_counts")


def damage_the_posts(database: Path) -> list[tuple[int, int]]:
    """Overwrite the pages of the posts tables with garbage; the other tables stay sound.

    Returns the (offset, size) of every damaged page."""
    with sqlite3.connect(database) as connection:
        modules = connection.execute("SELECT name FROM pragma_module_list").fetchall()
        if ("dbstat",) not in modules:
            pytest.skip("this SQLite has no dbstat table to find a table's pages")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        pages = connection.execute(f"SELECT pageno FROM dbstat WHERE name IN {DAMAGED}").fetchall()
    assert pages, "the posts tables have pages of their own"
    spans = [((page - 1) * page_size, page_size) for (page,) in pages]
    with database.open("r+b") as handle:
        for offset, size in spans:
            handle.seek(offset)
            handle.write(b"\xde\xad\xbe\xef" * (size // 4))
    return spans


def sound_rows(database: Path) -> dict[str, list[tuple]]:
    """Every table the damage spared, row by row."""
    with sqlite3.connect(database) as connection:
        names = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = [name for (name,) in names if name not in DAMAGED]
        return {t: connection.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in tables}


def page_bytes(database: Path, spans: list[tuple[int, int]]) -> list[bytes]:
    with database.open("rb") as handle:
        return [handle.seek(offset) and handle.read(size) for offset, size in spans]


# `status` reads no post page (its counts come from an index), so it cannot notice.
@pytest.mark.parametrize("command", COMMANDS[:2], ids=lambda c: c[0])
def test_a_database_with_damaged_pages_gives_one_message_and_loses_nothing_more(
    setup: Setup, command: tuple[str, ...]
) -> None:
    spans = damage_the_posts(setup.database)
    damaged, sound = page_bytes(setup.database, spans), sound_rows(setup.database)
    result = cli(setup, *command)
    assert_one_clear_message(result, 2, "database", "damaged", "backup")
    assert page_bytes(setup.database, spans) == damaged, "the damaged pages were rewritten"
    after = sound_rows(setup.database)
    runs, runs_before = after.pop("runs"), sound.pop("runs")
    # Harvests are written in batches: a batch of sources whose write needed no damaged page
    # (nothing new: no post is read) may be stored before one that did stops the cycle.
    events, events_before = after.pop("source_events"), sound.pop("source_events")
    assert events[: len(events_before)] == events_before, "an earlier attempt was changed"
    assert all(e[6] == e[7] == 0 for e in events[len(events_before) :]), "a post was written"
    sources, sources_before = after.pop("sources"), sound.pop("sources")
    assert [r[:4] for r in sources] == [r[:4] for r in sources_before]
    assert after == sound, "the sound tables changed"
    assert runs[: len(runs_before)] == runs_before
    assert all(run[3] is None for run in runs[len(runs_before) :]), "an unfinished run at most"


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_a_database_from_a_newer_version_is_refused_and_left_alone(
    setup: Setup, command: tuple[str, ...]
) -> None:
    with sqlite3.connect(setup.database) as connection:
        connection.execute("UPDATE schema_version SET version = 99")
        connection.commit()
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = database_rows(setup.database)
    result = cli(setup, *command)
    assert_one_clear_message(result, 2, "newer version", "schema 99")
    assert database_rows(setup.database) == before


def test_a_full_disk_during_collection_loses_nothing_and_says_so(
    setup: Setup, server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's own 'database or disk is full': the file may not grow past its size."""
    before = database_rows(setup.database)
    monkeypatch.setattr(server, "version", 30)  # many new posts to write
    original = store_module._engine

    def full_disk_engine(url: str):
        engine = original(url)

        @event.listens_for(engine, "connect")
        def _no_room(dbapi_connection, _record) -> None:
            pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

        return engine

    monkeypatch.setattr(store_module, "_engine", full_disk_engine)
    result = CliRunner().invoke(app, ["collect", "-c", str(setup.config)])
    assert isinstance(result.exception, SystemExit), result.exception  # not a crash
    assert_one_clear_message(result, 2, "disk is full")
    monkeypatch.undo()
    after = database_rows(setup.database)
    assert after["posts"] == before["posts"] and after["post_counts"] == before["post_counts"]


# --- the outbox ----------------------------------------------------------------------------


def test_a_file_where_the_outbox_should_be_is_a_clear_error(setup: Setup) -> None:
    setup.outbox.write_text("notes, not a folder\n")
    result = cli(setup, "report", "--week", WEEK)
    assert_one_clear_message(result, 1, str(setup.outbox), "not a folder")
    assert setup.outbox.read_text() == "notes, not a folder\n"


@pytest.mark.parametrize(
    ("call", "code", "reason"),
    [
        ("os.replace", errno.EROFS, "read-only"),
        ("os.fsync", errno.ENOSPC, "disk is full"),
        ("os.replace", errno.EACCES, "permission denied"),
    ],
)
def test_an_outbox_that_cannot_be_written_keeps_the_previous_digest_intact(
    setup: Setup, monkeypatch: pytest.MonkeyPatch, call: str, code: int, reason: str
) -> None:
    first = CliRunner().invoke(app, ["report", "--week", WEEK, "-c", str(setup.config)])
    assert first.exit_code == 0, first.output
    before = fingerprint(setup.outbox)

    def fail(*_args, **_kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(call, fail)
    result = CliRunner().invoke(app, ["report", "--week", WEEK, "-c", str(setup.config)])
    monkeypatch.undo()
    assert not isinstance(result.exception, OSError), result.exception
    assert_one_clear_message(result, 1, "cannot write the digest", reason)
    assert fingerprint(setup.outbox) == before, "the previous digest changed or a file was left"
