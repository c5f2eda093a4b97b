"""Benchmark (run by hand): CPU time of `parse_feed` per plain RSS/Atom feed.

    python tests/benchmarks/bench_parse_feeds.py [--feeds 300] [--code CHECKOUT] [--json]

Times `monitor.collectors.feed.parse_feed` over the benchmark's 20-item RSS 2.0 feeds
(bench_collect_feeds.feed_body, `--feeds` of them) and over the XML feed fixtures in
tests/fixtures/feed (the entity attacks left out), each in a fresh process per round, with
`time.process_time`; the best of 3 rounds is reported, in ms per feed. `--code` measures
another checkout's monitor package (main before a change) in the same run, on the same
bodies, rounds alternating; both readings' posts are compared and must be equal.
Target: the benchmark feed at least 2x cheaper than before issue 16's parse work (4.6 ms).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
URL = "https://company.example/feed.xml"
ROUNDS = 3
FIXTURE_REPEATS = 50  # the fixtures are a handful of small feeds: repeated to be measurable


def bodies(feeds: int) -> dict[str, list[bytes]]:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_collect_feeds import feed_body

    fixtures = sorted((ROOT / "tests" / "fixtures" / "feed").glob("*.xml"))
    return {
        "bench": [feed_body(i) for i in range(feeds)],
        "fixtures": [p.read_bytes() for p in fixtures if "entity" not in p.name],
    }


def measure(path: Path, digest_posts: bool) -> dict[str, object]:
    """One round in this process: ms per feed for each set of bodies (and a digest of posts)."""
    from monitor.collectors.feed import parse_feed

    sets = pickle.loads(path.read_bytes())
    digest = hashlib.sha256()
    for body in sets["bench"][:1]:  # imports and caches warmed outside the timing
        parse_feed(body, URL, NOW)
    figures: dict[str, object] = {}
    for name, repeats in (("bench", 1), ("fixtures", FIXTURE_REPEATS)):
        began = time.process_time()
        for _ in range(repeats):
            for body in sets[name]:
                parse_feed(body, URL, NOW)
        spent = time.process_time() - began
        figures[f"{name}_ms"] = 1000 * spent / (repeats * len(sets[name]))
        for body in sets[name] if digest_posts else ():
            digest.update(repr(parse_feed(body, URL, NOW)).encode())
    import monitor

    return {**figures, "posts_sha256": digest.hexdigest(), "package": monitor.__file__}


def one_round(code: Path, path: Path, digest_posts: bool) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(code)}
    digest = ["--digest"] if digest_posts else []
    done = subprocess.run(
        [sys.executable, __file__, "--measure", str(path), *digest],
        env=env,
        capture_output=True,
        check=True,
        text=True,
    )
    return json.loads(done.stdout)


def best_of(rounds: list[dict[str, object]]) -> dict[str, object]:
    return {
        "bench_ms": min(r["bench_ms"] for r in rounds),  # type: ignore[type-var]
        "fixtures_ms": min(r["fixtures_ms"] for r in rounds),  # type: ignore[type-var]
        "posts_sha256": rounds[0]["posts_sha256"],
        "package": rounds[0]["package"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=300)
    parser.add_argument("--code", type=Path, help="a baseline checkout measured in the same run")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # one round, internal
    parser.add_argument("--digest", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.digest)))
        return
    codes = {"this": ROOT} | ({"baseline": args.code.resolve()} if args.code else {})
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bodies.pickle"
        path.write_bytes(pickle.dumps(bodies(args.feeds)))
        rounds: dict[str, list[dict[str, object]]] = {name: [] for name in codes}
        for number in range(ROUNDS):  # alternating, so a busy moment hurts both alike
            for name, code in codes.items():
                rounds[name].append(one_round(code, path, digest_posts=number == 0))
    figures: dict[str, object] = {name: best_of(r) for name, r in rounds.items()}
    if args.code:
        this, baseline = figures["this"], figures["baseline"]
        figures["bench_speedup"] = baseline["bench_ms"] / this["bench_ms"]  # type: ignore[index]
        figures["fixtures_speedup"] = baseline["fixtures_ms"] / this["fixtures_ms"]  # type: ignore[index]
        figures["same_posts"] = baseline["posts_sha256"] == this["posts_sha256"]  # type: ignore[index]
    if args.json:
        print(json.dumps(figures))
        return
    for name in codes:
        one = figures[name]
        print(
            f"{name:>9}: {one['bench_ms']:.2f} ms per benchmark feed, "  # type: ignore[index]
            f"{one['fixtures_ms']:.2f} ms per fixture feed ({one['package']})"  # type: ignore[index]
        )
    if args.code:
        print(
            f"  speedup: {figures['bench_speedup']:.2f}x benchmark feed, "
            f"{figures['fixtures_speedup']:.2f}x fixtures; same posts: {figures['same_posts']}"
        )
    print("target: the benchmark feed >= 2x cheaper than main before issue 16's parse work")


if __name__ == "__main__":
    main()
