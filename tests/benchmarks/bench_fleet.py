"""Benchmark (run by hand): fleet throughput with 1, 2 and 3 `monitor worker` nodes.

    MONITOR_TEST_DATABASE_URL=postgresql+psycopg://… python tests/benchmarks/bench_fleet.py \
        [--sources 600] [--hosts 60] [--items 60] [--workers 1,2,3] [--concurrency 16] \
    [--delay-ms 0] [--json]

A CPU-bound world: N feeds of `--items` posts each (parsing and writing them is the work),
spread over many loopback hosts with a 1 ms per-host interval, so neither the network nor
politeness is the limit. For each fleet size the database is emptied, the nodes started
(each `--concurrency 16`), and the time from the first source's collection to the last one
read from the store: sources per second. The database is the test database: it is emptied.
On a machine of C cores, nodes past C share the same cores (and PostgreSQL and the servers
run there too): the figure shows where one machine stops scaling, not a fleet's ceiling.
`--delay-ms 200 --items 6 --concurrency 8` is the other world, bound by waiting on the
network: there each node adds its concurrency, which shows the fleet itself (the plan, the
queue, the host turns) is not what limits.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[0] / "reliability"), str(HERE.parents[0] / "fleet")]

from fault_server import FaultServer, Reply, Request  # noqa: E402
from fleet_world import Fleet, wait_for  # noqa: E402
from platform_bodies import BASE_POSTS, answer, config_yaml, source_of, world  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.exc import ProgrammingError  # noqa: E402

NODE_OPTIONS = ("--plan-every", "1s", "--heartbeat-every", "2s", "--stalled-after", "10s")


def empty(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def collected(url: str) -> tuple[int, float]:
    """(sources collected, seconds from the first collection to the last)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            count, first, last = connection.execute(
                text("SELECT COUNT(DISTINCT source_id), MIN(at), MAX(at) FROM source_events")
            ).one()
    except ProgrammingError:  # before the first node made the tables
        return 0, 0.0
    finally:
        engine.dispose()
    return count, (last - first).total_seconds() if count else 0.0


def commits(url: str) -> int:
    """Transactions committed in the database so far (PostgreSQL's own statistics)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                text("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
            ).scalar_one()
    finally:
        engine.dispose()


def run(url: str, workers: int, args: argparse.Namespace, folder: Path) -> dict:
    sources, hosts, items = args.sources, args.hosts, args.items
    world_sources = [s for s in world(sources * 2) if s.kind == "feed"][:sources]

    def respond(request: Request) -> Reply:
        source = source_of(request, world_sources)
        if source is None:
            return Reply(404, label="unknown")
        reply = answer(source, request, items - BASE_POSTS)
        return replace(reply, delay_s=args.delay_ms / 1000)

    empty(url)
    with FaultServer(respond, hosts=hosts) as server:
        bases = [server.base(h) for h in range(hosts)]
        collect = "{interval: 1h, per_host_interval: 1ms, timeout: 30s, max_retries: 0}"
        config = folder / f"fleet-{workers}.yaml"
        config.write_text(config_yaml(world_sources, bases, url, collect))
        fleet = Fleet(config, folder, (*NODE_OPTIONS, "--concurrency", str(args.concurrency)))
        before = commits(url)
        cpu_before = _children_cpu_s()
        started = time.monotonic()
        try:
            for n in range(workers):
                fleet.start(f"bench{workers}-{n}")
            wait_for(lambda: collected(url)[0] >= sources, "every source", timeout=900)
        finally:
            fleet.stop()
        wall_s = time.monotonic() - started
    node_cpu_s = _children_cpu_s() - cpu_before  # the nodes were waited for: their CPU time
    time.sleep(1.5)  # the statistics are flushed within a second
    transactions = commits(url) - before
    _count, span_s = collected(url)
    return {
        "workers": workers,
        "sources": sources,
        "items_per_source": items,
        "answer_delay_ms": args.delay_ms,
        "concurrency": args.concurrency,
        "span_s": round(span_s, 2),
        "sources_per_s": round((sources - 1) / span_s, 1) if span_s else None,
        "wall_s_with_startup": round(wall_s, 1),
        "transactions_per_source": round(transactions / sources, 1),
        "node_cpu_ms_per_source": round(node_cpu_s * 1000 / sources, 1),
    }


def _children_cpu_s() -> float:
    """CPU seconds (user and system) of this process's children that have ended."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=600)
    parser.add_argument("--hosts", type=int, default=60)
    parser.add_argument("--items", type=int, default=60)
    parser.add_argument("--workers", default="1,2,3")
    parser.add_argument("--concurrency", type=int, default=16, help="jobs at once per node")
    parser.add_argument("--delay-ms", type=int, default=0, help="each answer waits this long")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("MONITOR_TEST_DATABASE_URL")
    if not url:
        print("set MONITOR_TEST_DATABASE_URL to an empty PostgreSQL database", file=sys.stderr)
        return 2
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for workers in (int(w) for w in args.workers.split(",")):
            results.append(run(url, workers, args, Path(folder)))
            if not args.json:
                r = results[-1]
                print(f"{r['workers']} worker(s): {r['sources']} sources of {r['items_per_source']}"
                      f" posts in {r['span_s']} s = {r['sources_per_s']} sources/s"
                      f" ({r['wall_s_with_startup']} s with start-up;"
                      f" {r['transactions_per_source']} transactions and"
                      f" {r['node_cpu_ms_per_source']} ms of the nodes' CPU a source)",
                      flush=True)  # fmt: skip
    if args.json:
        print(json.dumps(results, indent=2))
    base = results[0]["sources_per_s"] or 0
    if base and not args.json:
        print("speed-up: " + ", ".join(f"{r['workers']}: {r['sources_per_s'] / base:.2f}x"
                                       for r in results))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
