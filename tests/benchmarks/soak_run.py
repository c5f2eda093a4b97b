"""Soak (run by hand): `monitor run` with 200 sources every 10 s on loopback, for 10 minutes.

    .venv/bin/python tests/benchmarks/soak_run.py [--minutes 10] [--sources 200] [--json]

The sources (feeds in every format, Mastodon and Bluesky accounts) are served by the
reliability suite's loopback server; each minute every source gains a post, so the job
keeps writing. Reported: the job's resident memory after the first minute and at the end
(target: growth under 10%), its open file descriptors (target: stable, within 5), and its
collections per source, counted in the source_events table, against the ticks expected
(target: no missed tick, i.e. no gap longer than 1.5 intervals; intervals are jittered 10%),
and the CPU the job's process tree used after the warm-up, as a share of one core (target:
under 10%).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "reliability"))

from fault_server import FaultServer, Reply, Request  # noqa: E402
from platform_bodies import answer, config_yaml, source_of, world  # noqa: E402

INTERVAL_S = 10
HOSTS = 20
WARM_UP_S = 60  # imports, the first spread-out round, SQLite's cache: not growth
SAMPLE_EVERY_S = 5
MISSED_GAP = 1.5  # a gap longer than this many intervals is a missed tick


def resident_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise LookupError("VmRSS")


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) of a process, its live descendants and its reaped children."""
    parents: dict[int, int] = {}
    times: dict[int, tuple[int, int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        parents[int(entry)] = int(fields[1])
        own = int(fields[11]) + int(fields[12])
        times[int(entry)] = (own, int(fields[13]) + int(fields[14]) if int(entry) == pid else 0)
    tree, changed = {pid}, True
    while changed:
        grown = tree | {child for child, parent in parents.items() if parent in tree}
        changed, tree = grown != tree, grown
    ticks_total = sum(sum(times.get(p, (0, 0))) for p in tree)
    return ticks_total / os.sysconf("SC_CLK_TCK")


def ticks(database: Path, started: float, stopped: float) -> dict:
    """Collections per source from source_events, and the gaps between them."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT source_id, at, ok FROM source_events ORDER BY source_id, at"
        ).fetchall()
        sources = connection.execute("SELECT count(*) FROM sources WHERE active").fetchone()[0]
    by_source: dict[int, list[float]] = {}
    failed = 0
    for source_id, at, ok in rows:
        moment = datetime.fromisoformat(at).replace(tzinfo=UTC).timestamp()
        by_source.setdefault(source_id, []).append(moment)
        failed += not ok
    missed, worst_gap = 0, 0.0
    for times in by_source.values():
        edges = [started + INTERVAL_S, *times, stopped]  # the first run comes within a round
        for before, after in itertools.pairwise(edges):
            gap = (after - before) / INTERVAL_S
            worst_gap = max(worst_gap, gap)
            missed += max(0, int(gap / MISSED_GAP))
    span = stopped - started
    return {
        "sources": sources,
        "sources_collected": len(by_source),
        "collections": len(rows),
        "expected_collections": round(sources * span / INTERVAL_S),
        "failed_collections": failed,
        "missed_ticks": missed + (sources - len(by_source)) * int(span / INTERVAL_S),
        "worst_gap_intervals": round(worst_gap, 2),
    }


def run(minutes: float, count: int) -> dict:
    sources = world(count)
    state = {"started": time.monotonic()}

    def respond(request: Request) -> Reply:
        source = source_of(request, sources)
        if source is None:
            return Reply(404, label="unknown")
        version = int((time.monotonic() - state["started"]) // 60)  # a new post a minute
        return answer(source, request, version)

    with tempfile.TemporaryDirectory() as folder, FaultServer(respond, hosts=HOSTS) as server:
        database = Path(folder) / "soak.db"
        config = Path(folder) / "soak.yaml"
        collect = (
            f"{{interval: {INTERVAL_S}s, per_host_interval: 1ms, timeout: 5s, max_retries: 1}}"
        )
        text = config_yaml(
            sources, [server.base(h) for h in range(HOSTS)], f"sqlite:///{database}", collect
        )
        config.write_text(text + f"report: {{outbox: '{folder}/reports'}}\n")
        log = (Path(folder) / "run.log").open("w+")
        job = subprocess.Popen(
            [sys.executable, "-m", "monitor", "run", "-c", str(config)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started = time.time()
        samples: list[tuple[float, float, int]] = []
        cpu: list[tuple[float, float]] = []  # (wall, CPU seconds of the job's process tree)
        try:
            while time.time() - started < minutes * 60:
                time.sleep(SAMPLE_EVERY_S)
                if job.poll() is not None:
                    raise RuntimeError(f"monitor run exited with {job.returncode}")
                samples.append((time.time() - started, resident_mib(job.pid), open_fds(job.pid)))
                cpu.append((samples[-1][0], tree_cpu_s(job.pid)))
        finally:
            stopped = time.time()
            job.send_signal(signal.SIGTERM)
            exit_status = job.wait(60)
        log.seek(0)
        logged = log.read()
        log.close()
        counted = ticks(database, started, stopped)
    after_warm_up = [s for s in samples if s[0] >= min(WARM_UP_S, minutes * 30)] or samples
    start_rss, end_rss = after_warm_up[0][1], after_warm_up[-1][1]
    fds = [s[2] for s in after_warm_up]
    steady = [c for c in cpu if c[0] >= after_warm_up[0][0]]
    cpu_share = (steady[-1][1] - steady[0][1]) / max(steady[-1][0] - steady[0][0], 1e-9)
    return {
        "minutes": minutes,
        "interval_s": INTERVAL_S,
        "rss_start_mib": round(start_rss, 1),
        "rss_end_mib": round(end_rss, 1),
        "rss_peak_mib": round(max(s[1] for s in samples), 1),
        "rss_growth_pct": round(100 * (end_rss - start_rss) / start_rss, 1),
        "cpu_pct_of_a_core": round(100 * cpu_share, 1),
        "fds_start": fds[0],
        "fds_end": fds[-1],
        "fds_min": min(fds),
        "fds_max": max(fds),
        "skipped_overlapping_runs": logged.count("maximum number of running instances"),
        "tracebacks_in_log": logged.count("Traceback"),
        "exit_status_after_sigterm": exit_status,
        **counted,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    figures = run(args.minutes, args.sources)
    if args.json:
        print(json.dumps(figures))
        return
    print(f"soak: {args.sources} sources every {INTERVAL_S} s for {args.minutes:g} minutes")
    print(
        f"memory (RSS) after warm-up {figures['rss_start_mib']} MiB, at the end "
        f"{figures['rss_end_mib']} MiB: growth {figures['rss_growth_pct']}% (target < 10%)"
    )
    print(f"CPU after warm-up: {figures['cpu_pct_of_a_core']}% of a core (target < 10%)")
    print(
        f"open file descriptors: {figures['fds_start']} -> {figures['fds_end']} "
        f"(min {figures['fds_min']}, max {figures['fds_max']}; target: stable)"
    )
    print(
        f"collections: {figures['collections']} of {figures['expected_collections']} expected; "
        f"missed ticks {figures['missed_ticks']} (target 0), worst gap "
        f"{figures['worst_gap_intervals']} intervals; failed {figures['failed_collections']}"
    )
    print(
        f"overlapping runs skipped {figures['skipped_overlapping_runs']}, tracebacks in the log "
        f"{figures['tracebacks_in_log']}, exit status after SIGTERM "
        f"{figures['exit_status_after_sigterm']}"
    )


if __name__ == "__main__":
    main()
