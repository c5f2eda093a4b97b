"""Benchmark (run by hand): one `monitor collect` cycle over 1,000 feeds on 100 loopback hosts.

    python tests/benchmarks/bench_collect_feeds.py [--sources 1000] [--hosts 100]
        [--code CHECKOUT] [--whole-process] [--urlwatch PATH/TO/urlwatch] [--json]

Each response is delayed 100 ms. The cycle runs with concurrency 32 and per_host_interval 0.2s
and is compared, in the same run, with a plain sequential loop (httpx get + feedparser, one
after another) over the same URLs. Reported: wall times, the floor set by the limits, the
second (unchanged) cycle's time and bytes, peak memory (this process, and its whole tree with
the parsing workers), and with --whole-process `monitor collect` run as a user runs it.
`--code` measures another checkout's monitor package (main before a change) on the same servers.
Targets: >= 30x faster than sequential, first cycle <= 1.5x the floor, unchanged cycle <= 1.3x
the floor with < 5% of the first's bytes, peak memory < 300 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

DELAY_S = 0.1
ENTRIES = 20
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # proc_tree


# The newest post an hour old at most: `monitor collect` runs on the real clock, and feeds
# silent for weeks would all be reported stale (a table of them, not a collection, timed).
START = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def feed_body(source: int) -> bytes:
    start = START
    items = "".join(
        f"""<item><title>Post {i} of source {source}</title>
<link>https://company{source}.example/blog/{i}</link>
<guid isPermaLink="false">s{source}-p{i}</guid>
<pubDate>{format_datetime(start - timedelta(hours=7 * i))}</pubDate>
<category>news</category><slash:comments>{i}</slash:comments>
<description>&lt;p&gt;Paragraph {i} of a post about our plans.&lt;/p&gt;</description></item>"""
        for i in range(ENTRIES)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:slash="http://purl.org/rss/1.0/modules/slash/">
<channel><title>Company {source}</title><link>https://company{source}.example/</link>
<description>News</description>{items}</channel></rss>""".encode()


def serve(ports: list[int], ready) -> None:
    """A minimal HTTP/1.1 server on many ports: 100 ms per response, ETag / 304 support."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = {
                    k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)
                }
                source = int(path.strip("/").split(".")[0].removeprefix("feed"))
                etag = f'"v1-{source}"'
                await asyncio.sleep(DELAY_S)
                if headers.get("if-none-match") == etag:
                    head = f"HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nContent-Length: 0"
                    writer.write(f"{head}\r\n\r\n".encode())
                else:
                    body = feed_body(source)
                    writer.write(
                        f"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nETag: {etag}\r\n"
                        f"Content-Length: {len(body)}\r\n\r\n".encode()
                        + body
                    )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def main() -> None:
        for port in ports:
            await asyncio.start_server(handle, "127.0.0.1", port, backlog=512)
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(main())


def free_ports(count: int) -> list[int]:
    import socket

    sockets, ports = [], []
    for _ in range(count):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
        ports.append(s.getsockname()[1])
    for s in sockets:
        s.close()
    return ports


def write_config(path: Path, urls: list[str], database: str) -> None:
    lines = [
        "organization:",
        "  name: Us",
        "  sources:",
        f"    - feed: {urls[0]}",
        "competitors:",
        "  - name: Everyone else",
        "    sources:",
        *(f"      - feed: {u}" for u in urls[1:]),
        "collect: {concurrency: 32, per_host_interval: 0.2s, timeout: 20s, max_retries: 1}",
        f"database: '{database}'",
    ]
    path.write_text("\n".join(lines) + "\n")


def sequential(urls: list[str]) -> float:
    import feedparser
    import httpx

    began = time.perf_counter()
    with httpx.Client() as client:
        for url in urls:
            feedparser.parse(client.get(url).content)
    return time.perf_counter() - began


def whole_process(code: Path, config_path: Path, runs: int = 2) -> list[tuple[float, float]]:
    """`monitor collect` as a user runs it (start-up included): (seconds, peak tree MB) each."""
    from proc_tree import PeakSampler

    env = {**os.environ, "PYTHONPATH": str(code)}
    figures = []
    for _ in range(runs):
        began = time.perf_counter()
        # from the checkout: `python -m` puts the working folder ahead of PYTHONPATH
        process = subprocess.Popen(
            [sys.executable, "-m", "monitor", "collect", "-c", str(config_path)],
            env=env, cwd=code, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        with PeakSampler(process.pid) as peak:
            process.wait()
        figures.append((time.perf_counter() - began, peak.mb))
    return figures


def urlwatch_run(urlwatch: str, urls: list[str], folder: Path) -> float:
    """urlwatch 2.x over the same URLs, from a fresh cache (its own venv; 10 threads, fixed)."""
    urls_file = folder / "urls.yaml"
    urls_file.write_text("\n---\n".join(f"url: {u}" for u in urls) + "\n")
    home = folder / "urlwatch-home"
    home.mkdir(exist_ok=True)
    args = [urlwatch, "--urls", str(urls_file), "--config", str(folder / "urlwatch.yaml"),
            "--cache", str(folder / "urlwatch-cache.db")]  # fmt: skip
    began = time.perf_counter()
    subprocess.run(args, env={**os.environ, "HOME": str(home)}, capture_output=True, check=True)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--skip-sequential", action="store_true")
    parser.add_argument(
        "--code",
        type=Path,
        default=ROOT,
        help="the checkout whose monitor package is measured (a baseline)",
    )
    parser.add_argument(
        "--whole-process",
        action="store_true",
        help="also time `monitor collect` as a whole process, twice",
    )
    parser.add_argument("--urlwatch", help="urlwatch executable to time on the same URLs")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()  # fmt: skip
    sys.path.insert(0, str(args.code.resolve()))
    from proc_tree import PeakSampler

    from monitor.collect import run_cycle
    from monitor.config import load_config
    from monitor.net import HttpClient
    from monitor.store import Store

    try:
        from monitor.sync import sync_sources
    except ImportError:  # a checkout (--code) from before monitor.sync
        from monitor.collect import sync_sources

    ports = free_ports(args.hosts)
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=serve, args=(ports, ready), daemon=True)
    server.start()
    ready.wait(30)
    urls = [f"http://127.0.0.1:{ports[i % args.hosts]}/feed{i}.xml" for i in range(args.sources)]
    with tempfile.TemporaryDirectory() as folder:
        config_path = Path(folder) / "bench.yaml"
        write_config(config_path, urls, f"sqlite:///{folder}/bench.db")
        config = load_config(config_path)
        store = Store(config.database)
        sync_sources(config, store)

        async def one_cycle(now: datetime):
            async with HttpClient(config.collect) as client:
                began = time.perf_counter()
                report = await run_cycle(config, store, now=lambda: now, client=client)
                return time.perf_counter() - began, report, client.stats

        now = START + timedelta(hours=1)
        with PeakSampler(exclude=[server.pid]) as tree_peak:
            first_s, first, first_stats = asyncio.run(one_cycle(now))
            second_s, second, second_stats = asyncio.run(one_cycle(now + timedelta(hours=1)))
        store.close()
        processes = []
        if args.whole_process:
            fresh = Path(folder) / "whole.yaml"
            write_config(fresh, urls, f"sqlite:///{folder}/whole.db")
            processes = whole_process(args.code.resolve(), fresh)
        urlwatch_s = urlwatch_run(args.urlwatch, urls, Path(folder)) if args.urlwatch else None
    sequential_s = None if args.skip_sequential else sequential(urls)
    server.terminate()

    per_host = args.sources / args.hosts
    # Requests to one host start at least 0.2 s apart (start to start) and last 100 ms;
    # all hosts together keep at most 32 in flight.
    floor = max(args.sources * DELAY_S / 32, (per_host - 1) * max(0.2, DELAY_S) + DELAY_S)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    first_bytes, second_bytes = first_stats.bytes_received, second_stats.bytes_received
    figures = {
        "sources": args.sources, "hosts": args.hosts, "ok": first.ok, "failed": first.failed,
        "first_cycle_s": first_s, "second_cycle_s": second_s,
        "second_unchanged": sum(o.unchanged for o in second.outcomes),
        "first_bytes": first_bytes, "second_bytes": second_bytes,
        "second_bytes_pct": 100 * second_bytes / max(first_bytes, 1),
        "floor_s": floor, "floor_ratio": first_s / floor, "second_floor_ratio": second_s / floor,
        "sequential_s": sequential_s,
        "speedup": None if sequential_s is None else sequential_s / first_s,
        "peak_mb": peak_mb, "tree_peak_mb": tree_peak.mb,
        "process_first_s": processes[0][0] if processes else None,
        "process_second_s": processes[1][0] if processes else None,
        "process_peak_mb": max(p[1] for p in processes) if processes else None,
        "urlwatch_s": urlwatch_s,
    }  # fmt: skip
    if args.json:
        print(json.dumps(figures))
        return
    for key, value in figures.items():
        print(f"{key:>20}: {value:.2f}" if isinstance(value, float) else f"{key:>20}: {value}")
    print(
        "targets: first cycle <= 1.5x the floor, unchanged <= 1.3x, >= 30x the sequential loop, "
        "unchanged bytes < 5% of the first, peak memory < 300 MB"
    )


if __name__ == "__main__":
    main()
