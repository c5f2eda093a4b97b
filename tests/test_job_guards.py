"""The database under the job: one writer at a time, a file that goes away, a clock set back.

Through the real command line (`monitor run`, `monitor collect`) and the job itself, with
feeds served on loopback.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pytest_httpserver import HTTPServer

from monitor.clock import utc_now
from monitor.config import load_config
from monitor.scheduler import run_job

WAIT_S = 90  # generous: the machine may be loaded; every wait ends as soon as it can


def feed(day: datetime) -> str:
    date = day.strftime("%a, %d %b %Y %H:%M:%S GMT")
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>'
        "<link>https://acme.example/</link><item><title>Launch</title>"
        f"<link>https://acme.example/n/1</link><guid>n1</guid><pubDate>{date}</pubDate>"
        "</item></channel></rss>"
    )


def write_config(tmp_path: Path, httpserver: HTTPServer, interval: str = "1h") -> Path:
    body = feed(datetime.now(UTC) - timedelta(days=1))
    for name in ("us", "acme"):
        httpserver.expect_request(f"/{name}.xml").respond_with_data(
            body, content_type="application/rss+xml"
        )
    path = tmp_path / "monitor.yaml"
    path.write_text(
        f"organization: {{name: Us, sources: [feed: '{httpserver.url_for('/us.xml')}']}}\n"
        "competitors: [{name: Acme, sources: [{feed: {url: "
        f"'{httpserver.url_for('/acme.xml')}', interval: {interval}}}}}]}}]\n"
        "collect: {max_retries: 0, per_host_interval: 1ms, jitter: 0}\n"
        f"report: {{outbox: '{tmp_path / 'reports'}'}}\n"
        f"database: 'sqlite:///{tmp_path / 'monitor.db'}'\n"
    )
    return path


def start_run(config: Path) -> tuple[subprocess.Popen[str], list[str]]:
    """`monitor run` in a process of its own; returns once it says it is running."""
    job = subprocess.Popen(
        [sys.executable, "-m", "monitor", "run", "-c", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(job.stdout), daemon=True).start()
    deadline = time.monotonic() + WAIT_S
    while not any("monitor running" in line for line in lines):
        assert job.poll() is None, "".join(lines)
        assert time.monotonic() < deadline, "".join(lines)
        time.sleep(0.1)
    return job, lines


def test_collect_while_run_holds_the_database_is_refused_in_one_line(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    config = write_config(tmp_path, httpserver)
    job, _lines = start_run(config)
    try:
        collected = subprocess.run(
            [sys.executable, "-m", "monitor", "collect", "-c", str(config)],
            capture_output=True,
            text=True,
            timeout=WAIT_S,
        )
    finally:
        job.send_signal(signal.SIGTERM)
        job.wait(timeout=WAIT_S)
    assert collected.returncode == 1  # not bad input: it works once the job is stopped
    assert "Traceback" not in collected.stderr
    said = [line for line in collected.stderr.splitlines() if line.strip()]
    assert len(said) == 1, collected.stderr
    assert "another `monitor run` is already using the database" in said[0]
    assert "stop it first to collect by hand" in said[0]


def test_a_database_deleted_under_run_stops_the_job_with_a_clear_error(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    config = write_config(tmp_path, httpserver, interval="2s")
    job, lines = start_run(config)
    database = tmp_path / "monitor.db"
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        path.unlink(missing_ok=True)
    try:
        code = job.wait(timeout=WAIT_S)
    finally:
        if job.poll() is None:
            job.kill()
    output = "".join(lines)
    assert code == 2, output
    assert "Traceback" not in output
    assert f"the database file {database} was deleted while the monitor was using it" in output
    assert not database.exists()  # nothing recreated it, nothing was written into it


def test_a_clock_set_back_does_not_stop_collection(tmp_path: Path, httpserver: HTTPServer):
    config = load_config(write_config(tmp_path, httpserver))
    offset = [timedelta(0)]
    stop, started = threading.Event(), threading.Event()

    def hits() -> int:
        return sum(1 for request, _ in httpserver.log if request.path == "/us.xml")

    def clock() -> datetime:
        return utc_now() + offset[0]

    job = threading.Thread(
        target=run_job,
        args=(config,),
        kwargs={
            "clock": clock,
            "stop_event": stop,
            "started": started,
            "log": logging.getLogger("test"),
            "clock_check_s": 0.2,
        },
        daemon=True,
    )
    job.start()
    try:
        deadline = time.monotonic() + WAIT_S
        while hits() < 1:  # the first collection, on start
            assert time.monotonic() < deadline
            time.sleep(0.1)
        offset[0] = -timedelta(days=2)  # the clock is set back two days
        while hits() < 2:  # collected again now, not in two days and an hour
            assert time.monotonic() < deadline, "no collection after the clock went back"
            time.sleep(0.1)
    finally:
        stop.set()
        job.join(timeout=WAIT_S)
    assert not job.is_alive()
