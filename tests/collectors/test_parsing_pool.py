"""Large cycles parse in worker processes: same posts, same errors, as parsing in place."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.child_process import LARGE_CYCLE
from monitor.collectors import _parse_pool, parse_off_loop, parsing_pool
from monitor.collectors.feed import parse_feed
from monitor.errors import SourceError

FEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "feed"
NOW = datetime(2026, 11, 20, tzinfo=UTC)


def test_small_cycles_parse_in_place() -> None:
    with parsing_pool(LARGE_CYCLE - 1):
        assert _parse_pool.get() is None


def test_a_worker_gives_the_same_posts_and_the_same_errors() -> None:
    body = (FEEDS / "wordpress_rss2.xml").read_bytes()
    bomb = (FEEDS / "entity_bomb.xml").read_bytes()
    in_place = parse_feed(body, "https://acme.example/feed", NOW, "application/rss+xml")

    async def in_worker():
        posts = await parse_off_loop(
            parse_feed, body, "https://acme.example/feed", NOW, "application/rss+xml"
        )
        with pytest.raises(SourceError) as refused:
            await parse_off_loop(parse_feed, bomb, "https://acme.example/bomb", NOW, None)
        return posts, refused.value

    with parsing_pool(LARGE_CYCLE):
        if _parse_pool.get() is None:
            pytest.skip("one CPU: no worker processes are started")
        posts, refused = asyncio.run(in_worker())
    assert posts == in_place
    assert refused.kind == "bad_content"


def test_a_worker_imports_what_parsing_needs_only() -> None:
    # A worker starts at each large cycle; the configuration's models and the HTTP client
    # doubled its start-up, while the fetched feeds waited for it.
    program = (
        "import sys, monitor.collectors.feed_parse\n"
        "print(' '.join(m for m in ('pydantic', 'monitor.config', 'monitor.kinds', "
        "'monitor.net', 'sqlalchemy', 'yaml') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""


def test_a_worker_that_dies_fails_what_waits_for_it_and_what_comes_after() -> None:
    from monitor.collectors.workers import ParsingWorkers

    async def kill_mid_parse() -> tuple[Exception, Exception]:
        workers = ParsingWorkers(1)
        try:
            sleeping = asyncio.ensure_future(workers.run(time.sleep, 30))
            await asyncio.sleep(0.5)  # taken by the worker
            workers._processes[0].kill()
            with pytest.raises(RuntimeError) as waiting:
                await asyncio.wait_for(sleeping, timeout=60)
            with pytest.raises(RuntimeError) as later:
                await workers.run(time.sleep, 0)
            return waiting.value, later.value
        finally:
            workers.close()

    waiting, later = asyncio.run(kill_mid_parse())
    assert "parsing worker stopped" in str(waiting)
    assert later is waiting


def test_a_cycle_that_stops_with_answers_nobody_reads_still_ends() -> None:
    """Collections cancelled (the database failed): the worker still answers what it had,
    more than its pipe holds, and closing the pool reads those answers until it ends."""
    from monitor.collectors.workers import ParsingWorkers

    async def cancel_all() -> None:
        workers = ParsingWorkers(1)
        try:
            jobs = [asyncio.ensure_future(workers.run(bytes, 100_000)) for _ in range(100)]
            await jobs[0]  # the worker is at work: the rest are in its pipe
            for job in jobs:
                job.cancel()
            await asyncio.gather(*jobs, return_exceptions=True)
        finally:
            workers.close()

    ended = threading.Event()
    threading.Thread(target=lambda: (asyncio.run(cancel_all()), ended.set()), daemon=True).start()
    assert ended.wait(120), "closing the pool waited for ever"


def test_a_cycle_with_nothing_to_parse_starts_no_worker() -> None:
    with parsing_pool(LARGE_CYCLE):
        pool = _parse_pool.get()
    assert pool is None or pool._processes == []  # every feed unchanged: nothing was started
