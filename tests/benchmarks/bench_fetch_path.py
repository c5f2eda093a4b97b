"""Benchmark (run by hand): what the polite client costs a request, against plain httpx.

    python tests/benchmarks/bench_fetch_path.py [--requests 2000] [--json]

2,000 GETs of a 7 KB feed over 20 loopback hosts, answered at once, 32 in flight: first
through monitor.net.HttpClient (per-host order, retries, size cap, conditional GET), then
through a bare httpx.AsyncClient with a semaphore, twice each, alternating. Reported: CPU
time of the event-loop thread per request (robust to a busy machine, unlike wall time).
Target: the client within 1.1x of plain httpx: its rules cost nothing that shows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_collect_feeds as feeds

HOSTS = 20
CONFIG = (
    "organization: {name: Us, sources: [feed: 'https://us.example/feed']}\n"
    "competitors: [{name: Acme, sources: [feed: 'https://acme.example/feed']}]\n"
    "collect: {concurrency: 32, per_host_interval: 1ms}\n"
)


async def through_our_client(urls: list[str]) -> float:
    from monitor.config import parse_config
    from monitor.net import HttpClient

    async with HttpClient(parse_config(CONFIG).collect) as client:
        began = time.thread_time()
        await asyncio.gather(*(client.get(url) for url in urls))
        return time.thread_time() - began


async def through_httpx(urls: list[str]) -> float:
    import httpx

    slots = asyncio.Semaphore(32)
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=32)) as client:

        async def one(url: str) -> bytes:
            async with slots:
                return (await client.get(url)).content

        began = time.thread_time()
        await asyncio.gather(*(one(url) for url in urls))
        return time.thread_time() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    feeds.DELAY_S = 0.0  # answered at once: only the client's own work is left to measure
    ports = feeds.free_ports(HOSTS)
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=feeds.serve, args=(ports, ready), daemon=True)
    server.start()
    ready.wait(30)
    urls = [f"http://127.0.0.1:{ports[i % HOSTS]}/feed{i}.xml" for i in range(args.requests)]
    ours, plain = [], []
    for _ in range(2):
        ours.append(asyncio.run(through_our_client(urls)))
        plain.append(asyncio.run(through_httpx(urls)))
    server.terminate()
    figures = {
        "requests": args.requests,
        "client_ms_per_request": 1000 * min(ours) / args.requests,
        "httpx_ms_per_request": 1000 * min(plain) / args.requests,
    }
    figures["ratio"] = figures["client_ms_per_request"] / figures["httpx_ms_per_request"]
    if args.json:
        print(json.dumps(figures))
        return
    print(
        f"CPU a request: HttpClient {figures['client_ms_per_request']:.2f} ms, plain httpx "
        f"{figures['httpx_ms_per_request']:.2f} ms ({figures['ratio']:.2f}x; target <= 1.1x)"
    )


if __name__ == "__main__":
    main()
