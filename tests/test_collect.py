"""One collection cycle over real sources on loopback: failures isolated, state recorded."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import text

from monitor.collect import run_cycle, stale_reason
from monitor.config import parse_config
from monitor.store import Store
from monitor.sync import sync_sources

FEEDS = Path(__file__).parent / "fixtures" / "feed"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def config_for(server: HTTPServer, database_url: str, *paths: str):
    base = server.url_for("/").rstrip("/")
    feeds = "\n".join(f"      - feed: {base}{p}" for p in paths)
    text = f"""
organization:
  name: Us
  sources:
    - feed: {base}/us.xml
competitors:
  - name: Acme
    sources:
{feeds}
collect: {{per_host_interval: 1ms, max_retries: 1, timeout: 5s, interval: 1h}}
database: {database_url}
"""
    return parse_config(text)


def serve_feed(server: HTTPServer, path: str, fixture: str) -> None:
    server.expect_request(path).respond_with_data(
        (FEEDS / fixture).read_bytes(),
        content_type="application/rss+xml; charset=UTF-8",
        headers={"ETag": f'"{fixture}"'},
    )


def cycle(config, store: Store, now: datetime = NOW):
    return asyncio.run(run_cycle(config, store, now=lambda: now))


def test_one_failing_source_never_stops_the_others(httpserver: HTTPServer, sqlite_url: str) -> None:
    serve_feed(httpserver, "/us.xml", "atom10.xml")
    serve_feed(httpserver, "/good.xml", "wordpress_rss2.xml")
    httpserver.expect_request("/gone.xml").respond_with_data("Not Found", status=404)
    httpserver.expect_request("/bomb.xml").respond_with_data(
        (FEEDS / "entity_bomb.xml").read_bytes()
    )
    config = config_for(httpserver, sqlite_url, "/good.xml", "/gone.xml", "/bomb.xml")
    with Store(sqlite_url) as store:
        sync_sources(config, store)
        report = cycle(config, store)
        by_path = {o.target.rsplit("/", 1)[-1]: o for o in report.outcomes}
        assert by_path["good.xml"].ok and by_path["good.xml"].new_posts > 0
        assert by_path["us.xml"].ok
        assert (by_path["gone.xml"].ok, by_path["gone.xml"].error_kind) == (False, "not_found")
        assert (by_path["bomb.xml"].ok, by_path["bomb.xml"].error_kind) == (False, "bad_content")
        assert (report.ok, report.failed) == (2, 2)
        with store.engine.connect() as connection:
            runs = connection.execute(text("SELECT sources_ok, sources_failed FROM runs")).all()
        assert [tuple(r) for r in runs] == [(2, 2)]
        records = {r.target.rsplit("/", 1)[-1]: r for r in store.sources()}
        assert records["gone.xml"].consecutive_failures == 1
        assert records["gone.xml"].last_error_message
        assert records["gone.xml"].next_due_at > NOW
        assert records["good.xml"].last_ok_at == NOW


def test_an_unchanged_feed_costs_no_writes_the_second_time(
    httpserver: HTTPServer, sqlite_url: str
) -> None:
    serve_feed(httpserver, "/us.xml", "atom10.xml")
    serve_feed(httpserver, "/good.xml", "wordpress_rss2.xml")
    config = config_for(httpserver, sqlite_url, "/good.xml")
    with Store(sqlite_url) as store:
        sync_sources(config, store)
        first = cycle(config, store)
        second = cycle(config, store, NOW + timedelta(hours=1))
    assert sum(o.new_posts for o in first.outcomes) > 0
    assert all(o.ok and o.new_posts == 0 and o.updated_counts == 0 for o in second.outcomes)
    assert all(o.unchanged for o in second.outcomes)


def test_the_kept_rhythm_follows_new_posts_and_an_unchanged_feed_reads_no_history(
    httpserver: HTTPServer, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = (FEEDS / "wordpress_rss2.xml").read_bytes()
    newer = old.replace(b"Tue, 03 Mar 2026 10:15:02 +0100", b"Fri, 20 Nov 2026 08:00:00 +0000")
    serve_feed(httpserver, "/us.xml", "atom10.xml")
    config = config_for(httpserver, sqlite_url, "/good.xml")
    with Store(sqlite_url) as store:
        sync_sources(config, store)
        for body in (old, newer):
            httpserver.clear_handler_errors()
            httpserver.expect_oneshot_request("/good.xml").respond_with_data(
                body, content_type="application/rss+xml"
            )
        cycle(config, store)  # the old feed
        cycle(config, store, NOW + timedelta(hours=1))  # a new post on 20 Nov
        good = next(r for r in store.sources() if r.target.endswith("good.xml"))
        assert good.remember["cadence"]["newest"] == "2026-11-20T08:00:00+00:00"
        httpserver.expect_oneshot_request("/good.xml").respond_with_data(
            newer, content_type="application/rss+xml"
        )

        def no_history(_source_id: int, limit: int = 50) -> list[datetime]:
            raise AssertionError("the history was read for an unchanged feed")

        monkeypatch.setattr(store, "publish_times", no_history)
        third = cycle(config, store, NOW + timedelta(hours=2))  # same body: unchanged
    outcome = next(o for o in third.outcomes if o.target.endswith("good.xml"))
    assert outcome.ok and outcome.unchanged and outcome.error_kind is None


def test_only_due_sources_are_collected(httpserver: HTTPServer, sqlite_url: str) -> None:
    serve_feed(httpserver, "/us.xml", "atom10.xml")
    serve_feed(httpserver, "/good.xml", "wordpress_rss2.xml")
    config = config_for(httpserver, sqlite_url, "/good.xml")
    with Store(sqlite_url) as store:
        sync_sources(config, store)
        cycle(config, store)
        soon = asyncio.run(
            run_cycle(config, store, now=lambda: NOW + timedelta(minutes=5), only_due=True)
        )
        later = asyncio.run(
            run_cycle(config, store, now=lambda: NOW + timedelta(hours=2), only_due=True)
        )
    assert soon.outcomes == []
    assert len(later.outcomes) == 2


def test_failures_back_off(httpserver: HTTPServer, sqlite_url: str) -> None:
    serve_feed(httpserver, "/us.xml", "atom10.xml")
    httpserver.expect_request("/gone.xml").respond_with_data("Not Found", status=404)
    config = config_for(httpserver, sqlite_url, "/gone.xml")
    waits = []
    with Store(sqlite_url) as store:
        sync_sources(config, store)
        moment = NOW
        for _ in range(3):
            cycle(config, store, moment)
            record = next(r for r in store.sources() if r.target.endswith("gone.xml"))
            waits.append(record.next_due_at - moment)
            moment = record.next_due_at
    assert waits[0] < waits[1] < waits[2]
    assert waits[2] > timedelta(hours=3)


def times(*days_ago: float) -> list[datetime]:
    return [NOW - timedelta(days=d) for d in days_ago]


def test_a_feed_silent_far_longer_than_usual_is_stale() -> None:
    usual_every_two_days = times(30, 32, 34, 36, 38, 40)
    reason = stale_reason(
        "feed", usual_every_two_days, unchanged_cycles=0, interval=timedelta(hours=1), now=NOW
    )
    assert reason is not None and "30 days" in reason and "every 2 days" in reason


def test_a_normally_quiet_feed_is_not_stale() -> None:
    weekly = times(5, 12, 19, 26, 33)
    assert (
        stale_reason("feed", weekly, unchanged_cycles=0, interval=timedelta(hours=1), now=NOW)
        is None
    )
    assert (
        stale_reason("feed", times(1), unchanged_cycles=0, interval=timedelta(hours=1), now=NOW)
        is None
    )


def test_frozen_counters_make_a_social_source_stale() -> None:
    recent = times(1, 2, 3)
    frozen = stale_reason(
        "mastodon", recent, unchanged_cycles=48, interval=timedelta(hours=1), now=NOW
    )
    assert frozen is not None and "48 collections" in frozen
    assert (
        stale_reason("mastodon", recent, unchanged_cycles=5, interval=timedelta(hours=1), now=NOW)
        is None
    )
    assert (
        stale_reason("feed", recent, unchanged_cycles=48, interval=timedelta(hours=1), now=NOW)
        is None
    )


def run_monitor(*args: str) -> subprocess.CompletedProcess[str]:
    """The `monitor` command as a user runs it, in a terminal wide enough not to cut cells."""
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=60,
    )


def test_collect_command_shows_results_and_exits_1_on_a_failure(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    serve_feed(httpserver, "/us.xml", "atom10.xml")
    httpserver.expect_request("/gone.xml").respond_with_data("Not Found", status=404)
    database = f"sqlite:///{tmp_path / 'm.db'}"
    base = httpserver.url_for("/").rstrip("/")
    path = tmp_path / "monitor.yaml"
    path.write_text(
        f"organization: {{name: Us, sources: [feed: {base}/us.xml]}}\n"
        f"competitors: [{{name: Acme, sources: [feed: {base}/gone.xml]}}]\n"
        "collect: {per_host_interval: 1ms, max_retries: 0}\n"
        f"database: '{database}'\n"
    )
    result = run_monitor("collect", "-c", str(path))
    assert result.returncode == 1, result.stderr
    assert "not_found" in result.stdout
    assert "1 sources collected, 1 failed" in result.stdout
    status = run_monitor("status", "-c", str(path))
    assert status.returncode == 1, status.stderr  # degraded: Acme's source fails
    assert "Acme" in status.stdout and "not_found" in status.stdout


@pytest.mark.parametrize("flag", ["--company", "--source"])
def test_collect_command_refuses_an_unknown_filter(tmp_path: Path, flag: str) -> None:
    path = tmp_path / "monitor.yaml"
    path.write_text(
        "organization: {name: Us, sources: [feed: http://127.0.0.1:9/us.xml]}\n"
        "competitors: [{name: Acme, sources: [feed: http://127.0.0.1:9/a.xml]}]\n"
        f"database: 'sqlite:///{tmp_path / 'm.db'}'\n"
    )
    result = run_monitor("collect", "-c", str(path), flag, "nothing-like-this")
    assert result.returncode == 2
    assert "no source matches" in result.stderr


def test_collect_past_40_sources_lists_only_the_sources_that_need_a_look(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    """44 good feeds and a gone one: the table names the gone one; --all names every one."""
    for n in range(44):
        serve_feed(httpserver, f"/f{n}.xml", "atom10.xml")
    httpserver.expect_request("/gone.xml").respond_with_data("Not Found", status=404)
    base = httpserver.url_for("/").rstrip("/")
    feeds = ", ".join(f"feed: {base}/f{n}.xml" for n in range(1, 44))
    path = tmp_path / "monitor.yaml"
    path.write_text(
        f"organization: {{name: Us, sources: [feed: {base}/f0.xml]}}\n"
        f"competitors: [{{name: Acme, sources: [{feeds}, feed: {base}/gone.xml]}}]\n"
        "collect: {per_host_interval: 1ms, max_retries: 0, concurrency: 8}\n"
        f"database: 'sqlite:///{tmp_path / 'm.db'}'\n"
    )
    result = run_monitor("collect", "-c", str(path))
    assert result.returncode == 1, result.stderr
    assert "Sources that need a look" in result.stdout
    assert "gone.xml" in result.stdout and "not_found" in result.stdout
    assert "f7.xml" not in result.stdout
    assert "44 sources collected, 1 failed." in result.stdout
    every = run_monitor("collect", "-c", str(path), "--all")
    assert all(f"f{n}.xml" in every.stdout for n in range(44)), every.stdout
    assert "unchanged since last time" in every.stdout


def test_the_closing_table_says_stale_also_for_a_source_that_did_not_change() -> None:
    """An unchanged feed silent for weeks is still the one to look at: it says so."""
    import io

    from rich.console import Console

    from monitor.cli_tables import print_outcomes
    from monitor.collect import SourceOutcome

    silent = "no new post for 40 days (it usually posts weekly)"
    quiet = SourceOutcome(
        1, "Acme", "feed", "https://acme.example/feed", None, ok=True, unchanged=True,
        error_kind="stale", error_message=silent,
    )  # fmt: skip
    fine = [
        SourceOutcome(n, "Acme", "feed", f"https://acme.example/{n}", None, ok=True, unchanged=True)
        for n in range(2, 50)
    ]
    screen = io.StringIO()
    print_outcomes(Console(file=screen, width=200), [quiet, *fine])
    shown = screen.getvalue()
    assert "unchanged since last time" in shown and "stale: no new post for 40 days" in shown
    assert "acme.example/7" not in shown
    assert "49 sources collected, 0 failed." in shown


def test_a_large_cycle_leaves_what_lived_before_it_out_of_the_garbage_collectors_scans() -> None:
    import gc

    from monitor.child_process import LARGE_CYCLE
    from monitor.collect import _short_gc_pauses

    before = gc.get_threshold()
    with _short_gc_pauses(LARGE_CYCLE - 1):
        assert gc.get_freeze_count() == 0  # a small cycle is left as it is
        assert gc.get_threshold() == before
    with _short_gc_pauses(LARGE_CYCLE):
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[2] > before[2]  # full scans put off
    assert gc.get_freeze_count() == 0  # scanned again after it: nothing kept for ever
    assert gc.get_threshold() == before


def test_a_cycle_stopped_while_it_starts_its_collections_leaves_none_running() -> None:
    import inspect

    from monitor.collect import START_AT_ONCE, _all_or_none

    ran: list[int] = []

    async def job(n: int) -> None:
        await asyncio.sleep(0.01)
        ran.append(n)

    jobs = [job(n) for n in range(3 * START_AT_ONCE)]

    async def stopped() -> None:
        cycle = asyncio.ensure_future(_all_or_none(jobs))
        await asyncio.sleep(0)  # the cycle has started its first collections
        cycle.cancel()  # the job is stopping
        with pytest.raises(asyncio.CancelledError):
            await cycle

    asyncio.run(stopped())
    assert ran == []  # the started ones were cancelled
    # and the ones not yet started are closed, not left to warn "never awaited"
    assert {inspect.getcoroutinestate(j) for j in jobs} == {inspect.CORO_CLOSED}
