"""Benchmark: one week's full metrics and takeaways, read from a store with a year of history.

Run by hand (not part of the suite):

    PYTHONPATH=. .venv/bin/python tests/benchmarks/bench_metrics.py [50 100 200]

For each N it builds a synthetic SQLite database of N sources (one company each, the first
is us) with one year of history: about 5 posts a day each, engagement observations the way
the collector writes them (a row only when a counter changed, only for 14 days), daily
audience counts and an hourly collection event. The rows are inserted in bulk through the
store's own tables (faster than one save_harvest per harvest, same data). The measurement
runs in a fresh process so its peak memory (ru_maxrss) is the computation's, not the build's.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from monitor.insights import interpret
from monitor.links import link_hash
from monitor.metrics import IsoWeek, MetricsSettings, load_and_compute
from monitor.store import Store
from monitor.store import schema as s

END = datetime(2026, 11, 23, tzinfo=UTC)  # Monday after the measured week 2026-W47
DAYS = 365
WEEK = IsoWeek(2026, 47)
SETTINGS = MetricsSettings(timezone="Europe/Rome")
KINDS = ("bluesky", "mastodon", "telegram", "youtube", "feed")
MEDIA = ("text", "image", "video", "link")


def build(path: Path, sources: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    store = Store(f"sqlite:///{path}")
    start = END - timedelta(days=DAYS)
    with store.transaction() as connection:
        for n in range(sources):
            company_id = connection.execute(
                insert(s.companies).values(name=f"Company {n}", is_self=n == 0, active=True)
            ).inserted_primary_key[0]
            kind = KINDS[n % len(KINDS)]
            source_id = connection.execute(
                insert(s.sources).values(
                    company_id=company_id,
                    kind=kind,
                    target=f"t{n}",
                    active=True,
                    consecutive_failures=0,
                )
            ).inserted_primary_key[0]
            _history(connection, rng, source_id, kind, start)
    store.close()


def _history(connection, rng: random.Random, source_id: int, kind: str, start: datetime) -> None:
    posts, counts, accounts, events = [], [], [], []
    base = rng.uniform(5, 200)
    followers = rng.randint(1_000, 100_000)
    for day in range(DAYS):
        midnight = start + timedelta(days=day)
        if kind != "feed":
            followers += rng.randint(-20, 60)
            accounts.append(
                {
                    "source_id": source_id,
                    "observed_at": midnight + timedelta(hours=6),
                    "followers": followers,
                    "following": 100,
                    "posts_total": None,
                }
            )
        for hour in range(24):
            failed = rng.random() < 0.01
            events.append(
                {
                    "source_id": source_id,
                    "at": midnight + timedelta(hours=hour),
                    "ok": not failed,
                    "error_kind": "timeout" if failed else None,
                    "new_posts": 0,
                    "updated_counts": 0,
                }
            )
        for _ in range(rng.randint(3, 7)):
            published = midnight + timedelta(seconds=rng.randint(0, 86_399))
            final = int(base * rng.lognormvariate(0, 1) * (30 if rng.random() < 0.005 else 1))
            known = kind != "feed"
            posts.append(
                {
                    "source_id": source_id,
                    "external_id": f"{source_id}-{len(posts)}",
                    "url": f"https://example.com/{source_id}/{len(posts)}",
                    "link_hash": link_hash(f"https://example.com/{source_id}/{len(posts)}"),
                    "text": "words",
                    "published_at": published,
                    "published_estimated": False,
                    "media_type": rng.choice(MEDIA),
                    "hashtags": rng.choice(("", "ai", "ai launch")),
                    "is_repost": rng.random() < 0.05,
                    "first_seen_at": published,
                    "likes": final if known else None,
                    "replies": final // 10 if known else None,
                    "reposts": final // 20 if known else None,
                    "quotes": None,
                    "views": final * 20 if kind in ("telegram", "youtube") else None,
                    "counts_observed_at": published + timedelta(days=13),
                }
            )
    connection.execute(insert(s.posts), posts)
    ids = [
        row[0]
        for row in connection.execute(
            s.posts.select()
            .with_only_columns(s.posts.c.id)
            .where(s.posts.c.source_id == source_id)
            .order_by(s.posts.c.id)
        )
    ]
    for post_id, post in zip(ids, posts, strict=True):
        if post["likes"] is None:
            continue
        for step, share in ((1, 0.3), (24, 0.7), (72, 0.9), (13 * 24, 1.0)):  # grows, then settles
            counts.append(
                {
                    "post_id": post_id,
                    "observed_at": post["published_at"] + timedelta(hours=step),
                    "likes": int(post["likes"] * share),
                    "replies": int(post["replies"] * share),
                    "reposts": int(post["reposts"] * share),
                    "quotes": None,
                    "views": None,
                }
            )
    for table, rows in (
        (s.post_counts, counts),
        (s.account_counts, accounts),
        (s.source_events, events),
    ):
        if rows:
            connection.execute(insert(table), rows)


def measure(path: Path, trace: bool) -> None:
    """In a fresh process: time and peak memory of load_and_compute + takeaways."""
    store = Store(f"sqlite:///{path}")
    if trace:
        tracemalloc.start()
    began = time.perf_counter()
    metrics = load_and_compute(store, WEEK, SETTINGS)
    found = interpret(metrics, SETTINGS).takeaways
    elapsed = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else 0.0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"{elapsed:.3f} {rss:.0f} {peak:.0f} {len(metrics.companies)} {len(found)}")


def main(sizes: list[int], as_json: bool = False) -> None:
    header = f"{'sources':>7} {'build s':>8} {'compute s':>9} {'peak RSS MB':>11} {'traced MB':>9}"
    if not as_json:
        print(header)
    figures = []
    with tempfile.TemporaryDirectory() as folder:
        for n in sizes:
            path = Path(folder) / f"bench{n}.db"
            began = time.perf_counter()
            build(path, n)
            built = time.perf_counter() - began
            runs = [_run(path, trace=False) for _ in range(3)]
            elapsed = min(r[0] for r in runs)
            rss = max(r[1] for r in runs)
            traced = _run(path, trace=True)[2]
            figures.append({"sources": n, "build_s": built, "compute_s": elapsed,
                            "peak_rss_mb": rss, "traced_mb": traced})  # fmt: skip
            if not as_json:
                print(f"{n:>7} {built:>8.1f} {elapsed:>9.3f} {rss:>11.0f} {traced:>9.0f}")
    if as_json:
        print(json.dumps(figures))


def _run(path: Path, trace: bool) -> tuple[float, float, float]:
    command = [sys.executable, __file__, "--measure", str(path), *(["--trace"] if trace else [])]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), float(out[1]), float(out[2])


if __name__ == "__main__":
    if "--measure" in sys.argv:
        measure(Path(sys.argv[sys.argv.index("--measure") + 1]), "--trace" in sys.argv)
    else:
        sizes = [int(a) for a in sys.argv[1:] if a != "--json"]
        main(sizes or [50, 100, 200], as_json="--json" in sys.argv)
