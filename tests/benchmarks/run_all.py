"""Every benchmark in one command, and one table of every figure against its target.

    python tests/benchmarks/run_all.py [--soak-minutes 2] [--only collect,scale,status,soak]
        [--baseline CHECKOUT]

Runs bench_collect_feeds.py (1,000 feeds on 100 hosts, with the sequential loop, the whole
`monitor collect` process and, when installed at $URLWATCH, urlwatch on the same servers),
the same at 5,000 and 10,000 feeds (time per 1,000 sources), bench_fetch_path.py (the
client's CPU a request against plain httpx), bench_parse_feeds.py (a feed's parse),
bench_status.py (10,000 sources), bench_metrics.py (50/200/1,000 sources, a year of history
each), bench_render.py (10 companies x 5 platforms) and soak_run.py (shortened) as
subprocesses, reads the figures each prints with --json, and prints: figure, measured,
baseline, target, pass/fail, after a first row of how fast this machine runs plain Python
(so two machines' figures compare).
`--baseline` also measures another checkout (main before a change) in the same run.
Exit status 1 when a figure misses its target. Takes about 25 minutes plus the soak on a
fast machine, about an hour on one whose first row reads 1.3 s (building the 1,000-source
year alone takes 4 and 10 minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# urlwatch 2.x installed in a virtual environment of its own, for the comparison (optional)
URLWATCH = os.environ.get("URLWATCH", "/tmp/urlwatch-venv/bin/urlwatch")


@dataclass(frozen=True)
class Row:
    figure: str
    measured: str
    baseline: str
    target: str
    passed: bool


def run_benchmark(script: str, *args: str) -> tuple[object, float]:
    """The JSON a benchmark printed on its last line, and its wall time."""
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(HERE / script), *args, "--json"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{script} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    last = [line for line in done.stdout.splitlines() if line.strip()][-1]
    return json.loads(last), time.monotonic() - began


def collect_rows(baseline: str | None) -> list[Row]:
    f, _ = run_benchmark(
        "bench_collect_feeds.py",
        "--whole-process",
        *(["--urlwatch", URLWATCH] if Path(URLWATCH).exists() else []),
    )
    b = None
    if baseline:
        b, _ = run_benchmark("bench_collect_feeds.py", "--skip-sequential", "--code", baseline)
    before = lambda key, unit="s": f"main {b[key]:.2f} {unit}" if b else ""  # noqa: E731
    rows = [
        Row(
            "collect: 1st cycle, 1,000 feeds / 100 hosts",
            f"{f['first_cycle_s']:.2f} s",
            before("first_cycle_s"),
            "",
            True,
        ),
        Row(
            "collect: 1st cycle against the limits' floor",
            f"{f['floor_ratio']:.2f}x",
            f"floor {f['floor_s']:.2f} s" + (f"; main {b['floor_ratio']:.2f}x" if b else ""),
            "<= 1.5x",
            f["floor_ratio"] <= 1.5,
        ),
        Row(
            "collect: unchanged 2nd cycle against the floor",
            f"{f['second_floor_ratio']:.2f}x",
            f"{f['second_cycle_s']:.2f} s"
            + (f"; main {b['second_floor_ratio']:.2f}x" if b else ""),
            "<= 1.3x",
            f["second_floor_ratio"] <= 1.3,
        ),
        Row(
            "collect: speed-up over the sequential loop",
            f"{f['speedup']:.1f}x",
            f"sequential {f['sequential_s']:.1f} s",
            ">= 30x",
            f["speedup"] >= 30,
        ),
        Row(
            "collect: unchanged 2nd cycle, bytes",
            f"{f['second_bytes_pct']:.2f}%",
            f"1st {f['first_bytes'] / 1e6:.1f} MB",
            "< 5% of the 1st",
            f["second_bytes_pct"] < 5,
        ),
        Row(
            "collect: sources failed", str(f["failed"]), f"of {f['sources']}", "0", f["failed"] == 0
        ),
        Row(
            "collect: peak memory, process tree",
            f"{f['tree_peak_mb']:.0f} MB",
            f"main process {f['peak_mb']:.0f} MB",
            "< 300 MB",
            f["tree_peak_mb"] < 300,
        ),
        Row(
            "collect: `monitor collect`, whole process",
            f"{f['process_first_s']:.2f} s",
            f"unchanged {f['process_second_s']:.2f} s, {f['process_peak_mb']:.0f} MB",
            "",
            True,
        ),
    ]
    if f["urlwatch_s"] is not None:
        ratio = f["urlwatch_s"] / f["process_first_s"]
        rows.append(
            Row(
                "collect: urlwatch 2.x on the same URLs / monitor collect",
                f"{ratio:.2f}x",
                f"urlwatch {f['urlwatch_s']:.2f} s",
                ">= 2x",
                ratio >= 2,
            )
        )
    return rows


def scale_rows() -> list[Row]:
    """Time per 1,000 sources at 5,000 and 10,000 feeds against the 1,000-feed figure."""
    sizes = {}
    for n in (1000, 5000, 10000):
        sizes[n], _ = run_benchmark(
            "bench_collect_feeds.py", "--skip-sequential", "--sources", str(n)
        )
    unit = sizes[1000]["first_cycle_s"]
    rows = []
    for n in (5000, 10000):
        f = sizes[n]
        per_1000 = f["first_cycle_s"] / (n / 1000)
        rows += [
            Row(
                f"collect: {n:,} feeds, time per 1,000",
                f"{per_1000:.2f} s",
                f"1,000 feeds {unit:.2f} s",
                "within 20%",
                per_1000 <= 1.2 * unit,
            ),
            Row(
                f"collect: {n:,} feeds, peak memory, process tree",
                f"{f['tree_peak_mb']:.0f} MB",
                f"failed {f['failed']}",
                "",
                f["failed"] == 0,
            ),
        ]
    return rows


def fetch_rows() -> list[Row]:
    f, _ = run_benchmark("bench_fetch_path.py")
    return [
        Row("fetch: CPU a request, our client / plain httpx",
            f"{f['client_ms_per_request']:.2f} ms", f"httpx {f['httpx_ms_per_request']:.2f} ms",
            "<= 1.1x httpx", f["ratio"] <= 1.1),
    ]  # fmt: skip


def parse_rows(baseline: str | None) -> list[Row]:
    p, _ = run_benchmark("bench_parse_feeds.py", *(["--code", baseline] if baseline else []))
    mine = p["this"]["bench_ms"]
    if not baseline:
        return [Row("parse: CPU a 20-item RSS feed", f"{mine:.2f} ms", "", "", True)]
    before = p["baseline"]["bench_ms"]
    return [
        Row("parse: CPU a 20-item RSS feed", f"{mine:.2f} ms", f"main {before:.2f} ms",
            ">= 2x cheaper (--baseline: main before issue 16)", p["bench_speedup"] >= 2),
        Row("parse: the same posts as the baseline", str(p["same_posts"]), "", "True",
            p["same_posts"]),
    ]  # fmt: skip


def status_rows(baseline: str | None) -> list[Row]:
    s, _ = run_benchmark("bench_status.py", *(["--code", baseline] if baseline else []))
    mine = s["status_s"][str(ROOT)]
    before = [v for k, v in s["status_s"].items() if k != str(ROOT)]
    return [
        Row("status: `monitor status`, 10,000 sources", f"{mine:.2f} s",
            f"main {before[0]:.2f} s" if before else "", "< 2 s", mine < 2),
    ]  # fmt: skip


METRICS_TARGETS = {200: (2, 500), 1000: (4, 400)}  # sources: seconds, peak MB


def metrics_rows() -> list[Row]:
    sizes, _ = run_benchmark("bench_metrics.py", "50", "200", "1000")
    by_size = {entry["sources"]: entry for entry in sizes}
    rows = []
    for n, e in sorted(by_size.items()):
        seconds, megabytes = METRICS_TARGETS.get(n, (None, None))
        rows += [
            Row(f"metrics: one week, {n:,} sources x 1 year", f"{e['compute_s']:.2f} s",
                f"50 sources {by_size[50]['compute_s']:.2f} s" if n != 50 else "",
                f"< {seconds} s" if seconds else "", not seconds or e["compute_s"] < seconds),
            Row(f"metrics: peak memory, {n:,} sources", f"{e['peak_rss_mb']:.0f} MB", "",
                f"< {megabytes} MB" if megabytes else "",
                not megabytes or e["peak_rss_mb"] < megabytes),
        ]  # fmt: skip
    growth = by_size[200]["compute_s"] / by_size[50]["compute_s"]
    rows.append(
        Row("metrics: time 200 / time 50 sources", f"{growth:.2f}x", "4x sources",
            "<= 4x (linear)", growth <= 4)
    )  # fmt: skip
    return rows


def render_rows() -> list[Row]:
    r, _ = run_benchmark("bench_render.py")
    size_kib = r["message_bytes"] / 1024
    return [
        Row("render: digest, 10 companies x 5 platforms", f"{r['render_s']:.2f} s",
            f"metrics {r['metrics_s']:.2f} s", "< 3 s", r["render_s"] < 3),
        Row("render: message size", f"{size_kib:.0f} KiB", "", "< 1 MB",
            r["message_bytes"] < 1_000_000),
    ]  # fmt: skip


def soak_rows(minutes: float) -> list[Row]:
    s, _ = run_benchmark("soak_run.py", "--minutes", f"{minutes:g}")
    title = f"soak {minutes:g} min, 200 sources / 10 s"
    fds = f"{s['fds_start']} -> {s['fds_end']} (max {s['fds_max']})"
    return [
        Row(f"{title}: memory growth", f"{s['rss_growth_pct']:.1f}%",
            f"{s['rss_start_mib']} -> {s['rss_end_mib']} MiB", "< 10%",
            s["rss_growth_pct"] < 10),
        Row(f"{title}: CPU of the job", f"{s['cpu_pct_of_a_core']:.1f}% of a core", "",
            "< 10%", s["cpu_pct_of_a_core"] < 10),
        Row(f"{title}: open file descriptors", fds, "", "stable (+/- 5)",
            abs(s["fds_end"] - s["fds_start"]) <= 5 and s["fds_max"] - s["fds_min"] <= 10),
        Row(f"{title}: missed ticks", str(s["missed_ticks"]),
            f"{s['collections']} of {s['expected_collections']} runs", "0",
            s["missed_ticks"] == 0),
        Row(f"{title}: failed collections", str(s["failed_collections"]), "", "0",
            s["failed_collections"] == 0),
        Row(f"{title}: clean stop (SIGTERM)", f"exit {s['exit_status_after_sigterm']}",
            f"{s['tracebacks_in_log']} tracebacks", "exit 0, none",
            s["exit_status_after_sigterm"] == 0 and s["tracebacks_in_log"] == 0),
    ]  # fmt: skip


def machine_row() -> Row:
    """How fast this machine runs plain Python (best of 3): figures of two machines compare
    only through it (the targets against the network floor are harder on a slower CPU)."""
    times = []
    for _ in range(3):
        began = time.process_time()
        sum(i * i for i in range(10**7))
        times.append(time.process_time() - began)
    return Row("machine: plain Python, 10 million squares summed", f"{min(times):.2f} s",
               f"{os.cpu_count()} cores", "(reference, lower is faster)", True)  # fmt: skip


def table(rows: list[Row]) -> str:
    header = Row("figure", "measured", "baseline / context", "target", True)
    cells = [[r.figure, r.measured, r.baseline, r.target, "pass" if r.passed else "FAIL"]
             for r in [header, *rows]]  # fmt: skip
    cells[0][4] = "result"
    widths = [max(len(line[i]) for line in cells) for i in range(5)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--soak-minutes", type=float, default=2.0)
    parser.add_argument("--only", default="collect,scale,fetch,parse,status,metrics,render,soak")
    parser.add_argument("--baseline", help="a checkout of main before a change, measured too")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()
    parts: dict[str, Callable[[], list[Row]]] = {
        "collect": lambda: collect_rows(args.baseline),
        "scale": scale_rows,
        "fetch": fetch_rows,
        "parse": lambda: parse_rows(args.baseline),
        "status": lambda: status_rows(args.baseline),
        "metrics": metrics_rows,
        "render": render_rows,
        "soak": lambda: soak_rows(args.soak_minutes),
    }
    rows: list[Row] = [machine_row()]
    for name in args.only.split(","):
        print(f"running {name} ...", file=sys.stderr, flush=True)
        rows += parts[name.strip()]()
    if args.json:
        print(json.dumps([row.__dict__ for row in rows]))
    else:
        print(table(rows))
    sys.exit(0 if all(row.passed for row in rows) else 1)


if __name__ == "__main__":
    main()
