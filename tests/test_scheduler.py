"""The long-running job: schedule times, persisted state, one instance, clean stops, logs."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
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
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

from monitor import scheduler as job_module
from monitor.config import parse_config
from monitor.deliver import send_digest
from monitor.domain import Harvest
from monitor.instance_lock import AlreadyRunning, instance_lock
from monitor.logs import setup_logging
from monitor.metrics import IsoWeek
from monitor.scheduler import (
    DIGEST_JOB_ID,
    create_scheduler,
    deliver_due_digest,
    digest_trigger,
    install_jobs,
    next_fire_times,
    run_job,
)
from monitor.store import Store
from monitor.sync import sync_sources

ROME = ZoneInfo("Europe/Rome")
ROOT = Path(__file__).resolve().parents[1]


def make_config(tmp_path: Path, *, smtp_port: int | None = None, feeds=None, extra: str = ""):
    feeds = feeds or {
        "Our Company": ["http://127.0.0.1:9/ourco.xml"],
        "Acme": ["http://127.0.0.1:9/acme.xml", "http://127.0.0.1:9/acme-news.xml"],
        "Globex": ["http://127.0.0.1:9/globex.xml"],
    }
    (us, our_feeds), *others = feeds.items()

    def sources(urls):
        return "\n".join(f"      - feed: {u}" for u in urls)

    competitors = "\n".join(f"  - name: {n}\n    sources:\n{sources(u)}" for n, u in others)
    email = (
        f"email: {{host: 127.0.0.1, port: {smtp_port}, security: none, timeout: 5s,\n"
        '        from: "Competitor Monitor <monitor@ourco.example>"}\n'
        if smtp_port
        else ""
    )
    text = (
        f"organization:\n  name: {us}\n  sources:\n{sources(our_feeds)}\n"
        f"competitors:\n{competitors}\n"
        "collect: {interval: 1h, max_retries: 0, timeout: 2s}\n"
        "report: {schedule: mon 08:00, timezone: Europe/Rome,\n"
        f"         recipients: [ceo@ourco.example], outbox: {tmp_path / 'reports'}}}\n"
        f"{email}database: sqlite:///{tmp_path / 'monitor.db'}\n{extra}"
    )
    return parse_config(textwrap.dedent(text))


def prepare_jobs(config, now: datetime) -> dict:
    """Install the jobs in the persistent job store as a run at `now` would, without running."""
    store = Store(config.database)
    sync_sources(config, store)

    async def install():
        scheduler = create_scheduler(store)
        scheduler.start(paused=True)
        install_jobs(scheduler, config, store, now)
        jobs = {job.id: job for job in scheduler.get_jobs()}
        scheduler.shutdown(wait=False)
        await asyncio.sleep(0)
        return jobs

    try:
        return asyncio.run(install())
    finally:
        store.close()


# --- the digest's local time across DST -------------------------------------------------------


def test_digest_stays_at_0800_local_across_october_dst_change(tmp_path):
    trigger = digest_trigger(make_config(tmp_path).report)
    fires = next_fire_times(trigger, datetime(2026, 10, 12, tzinfo=UTC), 4)
    local = [f.astimezone(ROME) for f in fires]
    assert [(t.date().isoformat(), t.hour, t.minute) for t in local] == [
        ("2026-10-12", 8, 0),
        ("2026-10-19", 8, 0),
        ("2026-10-26", 8, 0),  # the day after the clocks went back
        ("2026-11-02", 8, 0),
    ]
    assert [f.astimezone(UTC).hour for f in fires] == [6, 6, 7, 7]


def test_digest_stays_at_0800_local_across_march_dst_change(tmp_path):
    trigger = digest_trigger(make_config(tmp_path).report)
    fires = next_fire_times(trigger, datetime(2026, 3, 16, 12, tzinfo=UTC), 2)
    assert [f.astimezone(ROME).hour for f in fires] == [8, 8]
    assert [f.astimezone(UTC).hour for f in fires] == [7, 6]


def test_installed_digest_job_fires_at_local_time_after_the_clock_change(tmp_path):
    now = datetime(2026, 10, 24, 12, tzinfo=ROME)  # Saturday, summer time; Sunday it ends
    jobs = prepare_jobs(make_config(tmp_path), now)
    fire = jobs[DIGEST_JOB_ID].next_run_time
    assert fire == datetime(2026, 10, 26, 7, 0, tzinfo=UTC)
    assert fire.astimezone(ROME).hour == 8


def test_overdue_sources_are_spread_over_the_first_interval(tmp_path):
    config = make_config(tmp_path)
    now = datetime(2026, 11, 20, 10, tzinfo=UTC)
    with Store(config.database) as store:
        sync_sources(config, store)
        waiting = store.sources()[-1]  # failed earlier; due again in 20 minutes
        store.record_failure(
            waiting.id, "network", "down", at=now, next_due_at=now + timedelta(minutes=20)
        )
    jobs = prepare_jobs(config, now)
    collect = {j.id: j for j in jobs.values() if j.id.startswith("collect:")}
    assert len(collect) == 4
    assert collect.pop(f"collect:{waiting.id}").next_run_time == now + timedelta(minutes=20)
    offsets = sorted((j.next_run_time - now) for j in collect.values())
    assert offsets == [timedelta(0), timedelta(minutes=20), timedelta(minutes=40)]
    assert all(j.trigger.interval == timedelta(hours=1) for j in collect.values())
    assert all(j.trigger.jitter == 360 for j in collect.values())  # collect.jitter 0.1 of 1h


# --- a missed digest is sent once on start ----------------------------------------------------


class Mailbox:
    def __init__(self):
        self.received: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope.content)
        return "250 OK"


@pytest.fixture
def mailbox():
    handler = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        handler.port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    yield handler
    controller.stop()


class FakeDigests:
    """Stands in for monitor.weekly.run_week: a small message instead of the whole digest,
    sent through the real delivery; counts the calls."""

    def __init__(self, outbox: Path):
        self.outbox = outbox
        self.weeks: list[str] = []

    def __call__(self, store, config, week, now, *, send, sleep, ssl_context, interrupt):
        assert send
        self.weeks.append(week.label)
        message = EmailMessage()
        message["Subject"] = f"Competitors, {week.label}"
        message.set_content("Acme posted 7 times, Globex 3.\n")
        delivery = send_digest(
            message, week=week.label, recipients=list(config.report.recipients),
            settings=config.email, store=store, eml_path=self.outbox / f"{week.label}.eml",
            now=now, sleep=sleep, ssl_context=ssl_context,
        )  # fmt: skip
        return SimpleNamespace(delivery=delivery)


def read_every_source(config, moment: datetime) -> None:
    """Each source read once, successfully, at `moment`: that week's coverage is whole."""
    with Store(config.database) as store:
        sync_sources(config, store)
        for record in store.sources():
            store.save_harvest(
                record.id,
                Harvest(observed_at=moment, posts=()),
                track_engagement_for=timedelta(days=14),
                next_due_at=moment,
            )


def run_in_thread(config, digests, **kwargs):
    stop, started = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def target():
        try:
            run_job(
                config,
                stop_event=stop,
                started=started,
                run_week=digests,
                log=logging.getLogger("test"),
                stop_grace_s=0.5,
                **kwargs,
            )
        except BaseException as error:
            errors.append(error)
            started.set()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    assert started.wait(10)
    return stop, thread, errors


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_missed_digest_is_sent_once_on_start(tmp_path, mailbox, caplog):
    caplog.set_level(logging.INFO)
    config = make_config(tmp_path, smtp_port=mailbox.port)
    now = datetime.now(UTC)
    # The machine went down 15 days ago, before two Monday 08:00 digests: the job store knows.
    read_every_source(config, now - timedelta(days=7))
    before = prepare_jobs(config, now - timedelta(days=15))
    assert before[DIGEST_JOB_ID].next_run_time < now - timedelta(days=7)
    digests = FakeDigests(tmp_path / "reports")

    stop, thread, errors = run_in_thread(config, digests)
    assert wait_for(lambda: mailbox.received)
    time.sleep(0.5)  # room for a wrong second digest
    stop.set()
    thread.join(10)

    assert errors == []
    week = IsoWeek.last_complete(datetime.now(UTC), "Europe/Rome").label
    assert digests.weeks == [week]
    assert len(mailbox.received) == 1
    with Store(config.database) as store:
        assert store.delivery(week, "ceo@ourco.example").status == "sent"
    digest_lines = [r.getMessage() for r in caplog.records if r.name == "monitor.scheduler"]
    assert sum(line.startswith(f"digest {week}") for line in digest_lines) == 1  # coalesced
    after = prepare_jobs(config, datetime.now(UTC))
    assert after[DIGEST_JOB_ID].next_run_time > datetime.now(UTC)


def test_no_digest_on_start_when_none_was_missed(tmp_path, mailbox):
    config = make_config(tmp_path, smtp_port=mailbox.port)
    digests = FakeDigests(tmp_path / "reports")
    stop, thread, errors = run_in_thread(config, digests)
    time.sleep(0.8)
    stop.set()
    thread.join(10)
    assert errors == []
    assert digests.weeks == []
    assert mailbox.received == []


# --- one instance per database ----------------------------------------------------------------


def test_second_instance_on_the_same_database_is_refused(database_url):
    with (
        Store(database_url) as first,
        Store(database_url) as second,
        instance_lock(first),
        pytest.raises(AlreadyRunning) as refused,
        instance_lock(second),
    ):
        pass
    assert "`monitor run`" in str(refused.value)
    assert "is already using the database" in str(refused.value)
    assert refused.value.exit_code == 1  # not bad input: a restart once the other stops works
    with Store(database_url) as first, Store(database_url) as second:
        with instance_lock(second):
            pass  # released when the first stopped (and not left in a pooled connection)
        with instance_lock(first):
            pass


def test_second_run_job_is_refused_while_one_runs(tmp_path, mailbox):
    config = make_config(tmp_path, smtp_port=mailbox.port)
    stop, thread, errors = run_in_thread(config, FakeDigests(tmp_path / "reports"))
    try:
        with pytest.raises(AlreadyRunning):
            run_job(config, log=logging.getLogger("test"))
    finally:
        stop.set()
        thread.join(10)
    assert errors == []


def test_lock_of_a_killed_process_is_not_left_stuck(tmp_path):
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    Store(url).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import time
            from monitor.instance_lock import instance_lock
            from monitor.store import Store
            with instance_lock(Store({url!r})):
                print("locked", flush=True)
                time.sleep(60)
        """),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with Store(url) as store, pytest.raises(AlreadyRunning), instance_lock(store):
            pass
    finally:
        holder.kill()  # SIGKILL: no clean-up code runs
        holder.wait()
    with Store(url) as store, instance_lock(store):
        pass


# --- SIGTERM during a collection --------------------------------------------------------------

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>{name} news</title><link>https://{host}/</link>
<description>News from {name}</description>
{items}
</channel></rss>"""
ITEM = """<item><title>{name} launch {n}</title><link>https://{host}/news/{n}</link>
<guid>https://{host}/news/{n}</guid><pubDate>Mon, 1{n} Nov 2026 09:00:00 +0000</pubDate></item>"""


class FeedServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        self.slow_requested = threading.Event()
        super().__init__(("127.0.0.1", 0), FeedHandler)


class FeedHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        name = "Acme" if "acme" in self.path else "Our Company"
        host = "acme.example" if name == "Acme" else "ourco.example"
        if "slow" in self.path:
            self.server.slow_requested.set()
            time.sleep(30)  # far slower than the test: the collection is in flight at SIGTERM
        items = "\n".join(ITEM.format(name=name, host=host, n=n) for n in range(1, 4))
        body = FEED.format(name=name, host=host, items=items).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError):  # the client went away at SIGTERM
            self.wfile.write(body)

    def log_message(self, *args):
        return


def test_sigterm_during_a_collection_exits_0_and_leaves_no_half_written_harvest(tmp_path):
    server = FeedServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    # Two hosts (127.0.0.1 and localhost), so the slow feed does not queue the fast one.
    config_text = make_config_text(tmp_path, port)
    (tmp_path / "monitor.yaml").write_text(config_text)
    script = "import sys\nfrom monitor.config import load_config\nfrom monitor.scheduler import "
    script += "run_job\nrun_job(load_config(sys.argv[1]), stop_grace_s=1.0)\n"
    job = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path / "monitor.yaml")],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        database = tmp_path / "monitor.db"
        assert wait_for(lambda: server.slow_requested.is_set() and _posts(database) == 3, 15)
        sent_at = time.monotonic()
        job.send_signal(signal.SIGTERM)
        assert job.wait(10) == 0
        assert time.monotonic() - sent_at < 5
    finally:
        if job.poll() is None:
            job.kill()
        server.shutdown()
    log = job.stderr.read()
    assert "Our Company feed:" in log and "3 new posts" in log
    assert "stopped" in log
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        per_source = dict(
            db.execute(
                "SELECT s.target, COUNT(p.id) FROM sources s LEFT JOIN posts p"
                " ON p.source_id = s.id GROUP BY s.id"
            ).fetchall()
        )
        assert sorted(per_source.values()) == [0, 3]  # a whole harvest or nothing
        assert per_source[f"http://localhost:{port}/acme-slow.xml"] == 0
        uncounted = db.execute(
            "SELECT COUNT(*) FROM posts p WHERE NOT EXISTS"
            " (SELECT 1 FROM post_counts c WHERE c.post_id = p.id)"
        ).fetchone()[0]
        assert uncounted == 0
        events = db.execute("SELECT COUNT(*), SUM(new_posts) FROM source_events").fetchone()
        assert events == (1, 3)


def make_config_text(tmp_path: Path, port: int) -> str:
    return textwrap.dedent(f"""
        organization:
          name: Our Company
          sources:
            - feed: {{url: "http://127.0.0.1:{port}/ourco.xml", interval: 1h}}
        competitors:
          - name: Acme
            sources:
              - feed: {{url: "http://localhost:{port}/acme-slow.xml", interval: 2s}}
        collect: {{interval: 1h, max_retries: 0, timeout: 60s, jitter: 0}}
        report: {{timezone: Europe/Rome, outbox: {tmp_path / "reports"}}}
        database: sqlite:///{tmp_path / "monitor.db"}
    """)


def _posts(database: Path) -> int:
    if not database.exists():
        return 0
    try:
        with sqlite3.connect(database, timeout=1) as db:
            return db.execute("SELECT COUNT(*) FROM posts").fetchone()[0]
    except sqlite3.OperationalError:
        return 0  # the schema is not there yet


# --- logs -------------------------------------------------------------------------------------


SECRET_CONFIG = (
    "organization: {name: X, sources: [feed: http://127.0.0.1/x]}\n"
    "competitors: [{name: Y, sources: [feed: http://127.0.0.1/y]}]\n"
    "email: {host: mail.ourco.example, username: monitor, password_env: TEST_SMTP_PASSWORD,"
    " from: monitor@ourco.example}\n"
    "database: postgresql+psycopg://monitor:db-pass-1234@db.ourco.example/monitor\n"
)


def test_logs_never_show_a_secret(monkeypatch):
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "hunter2-very-secret")
    config = parse_config(SECRET_CONFIG)
    stream = io.StringIO()
    handler = setup_logging(config, "plain", stream)
    try:
        logger = logging.getLogger("monitor.test")
        logger.warning("login with %s failed", "hunter2-very-secret")
        try:
            raise RuntimeError("server said: bad password hunter2-very-secret")
        except RuntimeError:
            logger.exception("sending failed")
    finally:
        logging.getLogger().removeHandler(handler)
    output = stream.getvalue()
    assert "hunter2-very-secret" not in output
    assert "login with *** failed" in output
    assert "bad password ***" in output  # the traceback too


def test_json_log_lines_are_json_and_masked(monkeypatch):
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "hunter2-very-secret")
    config = parse_config(SECRET_CONFIG)
    stream = io.StringIO()
    handler = setup_logging(config, "json", stream)
    try:
        logging.getLogger("monitor.collect").info("Acme feed: %d new posts", 3)
        logging.getLogger("monitor.test").error("connect with hunter2-very-secret / db-pass-1234")
    finally:
        logging.getLogger().removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "Acme feed: 3 new posts"
    assert (first["level"], first["logger"]) == ("info", "monitor.collect")
    assert second["message"] == "connect with *** / ***"


def test_digest_job_sends_the_rendered_digest_of_the_last_complete_week(tmp_path, mailbox):
    config = make_config(tmp_path, smtp_port=mailbox.port)
    monday = datetime(2026, 11, 23, 8, 0, 5, tzinfo=ROME)
    read_every_source(config, monday - timedelta(days=3))
    with Store(config.database) as store:
        sync_sources(config, store)
        [result] = deliver_due_digest(config, store, monday)
        assert deliver_due_digest(config, store, monday) == []  # a rerun sends nothing
    assert (result.week, result.status) == ("2026-W47", "sent")
    assert result.eml_path == tmp_path / "reports" / "2026-W47.eml"
    [content] = mailbox.received
    assert content == result.eml_path.read_bytes()
    assert b"Subject:" in content and b"text/html" in content


def test_collection_job_skips_a_source_that_is_backing_off(tmp_path, monkeypatch):
    config = make_config(tmp_path)
    now = datetime(2026, 11, 20, 10, tzinfo=UTC)
    with Store(config.database) as store:
        sync_sources(config, store)
        backing_off, due = store.sources()[:2]
        store.record_failure(
            backing_off.id, "network", "down", at=now, next_due_at=now + timedelta(hours=2)
        )
        runtime = job_module._Runtime(config, store, lambda: now, None, None)
        monkeypatch.setattr(job_module, "_runtime", runtime)

        asyncio.run(job_module.collect_source(backing_off.id))
        asyncio.run(job_module.collect_source(due.id))

        events = store.read_source_events(now - timedelta(days=1), now + timedelta(days=1))
        attempts = [row[0] for row in events.rows]
    assert attempts.count(backing_off.id) == 1  # only the failure recorded above
    assert attempts.count(due.id) == 1  # collected (here: refused, and recorded)


def test_the_job_holds_a_week_in_which_nothing_was_read_and_logs_why(tmp_path, mailbox, caplog):
    caplog.set_level(logging.INFO)
    config = make_config(tmp_path, smtp_port=mailbox.port)
    monday = datetime(2026, 11, 23, 8, 0, 5, tzinfo=ROME)
    with Store(config.database) as store:
        sync_sources(config, store)  # configured, never collected
        [result] = deliver_due_digest(config, store, monday)
        assert store.delivery("2026-W47", "ceo@ourco.example").status == "held"
        assert deliver_due_digest(config, store, monday + timedelta(days=7)) != []  # next week
    assert result.status == "held" and mailbox.received == []
    [line] = [r.getMessage() for r in caplog.records if "2026-W47" in r.getMessage()]
    assert "held, not sent" in line and "none of our own organisation's sources" in line


def test_a_sources_job_lives_in_memory_and_one_stored_by_an_earlier_version_is_dropped(tmp_path):
    """Each run of a stored job rewrote its database row; the per-source jobs are planned
    anew at every start from the sources' next_due_at, so they are kept in memory only."""
    from apscheduler.triggers.interval import IntervalTrigger

    config = make_config(tmp_path)
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    store = Store(config.database)
    sync_sources(config, store)
    every = {f"collect:{r.id}" for r in store.sources()}
    source_id = store.sources()[0].id

    async def install(stale_job: bool) -> tuple[list[str], list[str]]:
        scheduler = create_scheduler(store)
        scheduler.start(paused=True)
        if stale_job:  # as a version that kept them in the database left it
            scheduler.add_job(job_module.collect_source, IntervalTrigger(hours=1),
                              args=[source_id], id=f"collect:{source_id}")  # fmt: skip
        install_jobs(scheduler, config, store, now)
        stored = [job.id for job in scheduler.get_jobs(jobstore="default")]
        in_memory = [job.id for job in scheduler.get_jobs(jobstore="process")]
        scheduler.shutdown(wait=False)
        await asyncio.sleep(0)
        return stored, in_memory

    try:
        stored, in_memory = asyncio.run(install(stale_job=True))
    finally:
        store.close()
    assert not any(job.startswith("collect:") for job in stored), stored
    collecting = [job for job in in_memory if job.startswith("collect:")]
    assert sorted(collecting) == sorted(every)  # one a source, the stale one not twice
