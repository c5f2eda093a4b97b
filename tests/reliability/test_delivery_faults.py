"""A week never stuck in "sending": a mail server that stalls when the job is stopped, and a
disk that fills up after the week was claimed (issue 14.2), through the real commands."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.config import load_config
from monitor.domain import Harvest
from monitor.metrics import IsoWeek
from monitor.store import Store
from monitor.sync import sync_sources
from tests.test_scheduler import prepare_jobs

ROOT = Path(__file__).resolve().parents[2]
PAGE = 4096


class StallingSmtp:
    """Greets, answers EHLO, then never answers again: a mail server hung mid-exchange."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.stalled = threading.Event()
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            self.connections.append(client)
            client.sendall(b"220 mail.example ESMTP\r\n")
            client.recv(1024)  # EHLO
            client.sendall(b"250-mail.example\r\n250 8BITMIME\r\n")
            client.recv(1024)  # MAIL FROM: never answered
            self.stalled.set()

    def close(self) -> None:
        self.server.close()
        for client in self.connections:
            client.close()


def project(tmp_path: Path, smtp_port: int, outbox: Path) -> Path:
    config = tmp_path / "monitor.yaml"
    config.write_text(
        textwrap.dedent(f"""\
        organization: {{name: Us, sources: [feed: 'http://127.0.0.1:9/us.xml']}}
        competitors: [{{name: Acme, sources: [feed: 'http://127.0.0.1:9/acme.xml']}}]
        collect: {{interval: 1d, max_retries: 0, timeout: 2s}}
        report: {{timezone: UTC, outbox: '{outbox}', recipients: [ceo@us.example]}}
        email: {{host: 127.0.0.1, port: {smtp_port}, security: none, timeout: 60s,
                 max_attempts: 4, from: monitor@us.example}}
        database: sqlite:///{tmp_path / "monitor.db"}
    """)
    )
    return config


def every_source_read(config_path: Path, at: datetime) -> None:
    config = load_config(config_path)
    with Store(config.database) as store:
        sync_sources(config, store)
        for record in store.sources():
            harvest = Harvest(observed_at=at, posts=())
            store.save_harvest(
                record.id, harvest, track_engagement_for=timedelta(days=14), next_due_at=at
            )


def delivery_row(database: Path) -> tuple | None:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT week, status, error, message_id FROM deliveries").fetchone()


def test_sigterm_while_the_mail_server_stalls_stops_fast_and_gives_the_week_back(
    tmp_path: Path,
) -> None:
    smtp = StallingSmtp()
    config = project(tmp_path, smtp.port, tmp_path / "reports")
    now = datetime.now(UTC)
    every_source_read(config, now - timedelta(days=7))
    prepare_jobs(load_config(config), now - timedelta(days=8))  # the Monday digest was missed
    job = subprocess.Popen(
        [sys.executable, "-m", "monitor", "run", "-c", str(config)],
        cwd=tmp_path, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    try:
        assert smtp.stalled.wait(60), "the digest never reached the mail server"
        stopped_at = time.monotonic()
        job.send_signal(signal.SIGTERM)
        assert job.wait(30) == 0
        assert time.monotonic() - stopped_at < 10
    finally:
        if job.poll() is None:
            job.kill()
        smtp.close()
    week = IsoWeek.last_complete(now, "UTC").label
    label, status, error, message_id = delivery_row(tmp_path / "monitor.db")
    assert (label, status) == (week, "pending")
    assert "stopped" in error and message_id
    assert "Traceback" not in job.stderr.read()


def test_a_full_disk_after_the_claim_gives_the_week_back_and_leaves_no_part_file(
    tmp_path: Path,
) -> None:
    from aiosmtpd.controller import Controller

    from tests.test_deliver import Mailbox, free_port

    outbox = tmp_path / "outbox"
    outbox.mkdir()
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    config = project(tmp_path, port, outbox)
    every_source_read(config, datetime.now(UTC) - timedelta(days=7))
    try:
        probe = run("report", "-c", str(config), cwd=tmp_path)  # how big a digest is
        assert probe.returncode == 0, probe.stderr
        sizes = {p.name: p.stat().st_size for p in outbox.iterdir()}
        for name in list(sizes):
            (outbox / name).unlink()
        # Room for the archive (tmpfs counts whole pages), none for the .eml written to send.
        room = sum(-(-size // PAGE) * PAGE for name, size in sizes.items()
                   if not name.endswith(".eml"))  # fmt: skip
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={room}", "tmpfs", str(outbox)],
            capture_output=True,
            text=True,
        )
        if mounted.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
        try:
            full = run("report", "-c", str(config), "--send", cwd=tmp_path)
            files = sorted(p.name for p in outbox.iterdir())
            row = delivery_row(tmp_path / "monitor.db")
        finally:
            subprocess.run(["umount", str(outbox)], check=True)
        assert full.returncode == 1, full.stdout + full.stderr
        assert "the disk is full" in full.stdout and "Traceback" not in full.stderr
        assert not [name for name in files if name.endswith((".part", ".tmp"))]
        assert row[1] == "pending" and mailbox.received == []
        sent = run("report", "-c", str(config), "--send", cwd=tmp_path)  # room again
        assert sent.returncode == 0, sent.stdout + sent.stderr
        assert len(mailbox.received) == 1 and delivery_row(tmp_path / "monitor.db")[1] == "sent"
    finally:
        controller.stop()


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args], capture_output=True, text=True, cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "250"}, timeout=120,
    )  # fmt: skip
