"""Benchmark (run by hand): `monitor status` as a whole process at many sources.

    python tests/benchmarks/bench_status.py [--sources 10000] [--code CHECKOUT] [--json]

Builds a configuration of N feeds (100 a company) and a database where each source has 20
posts, an attempt and its state, then times `python -m monitor status` (start-up, reading
the configuration, syncing it, the queries and the table; output to /dev/null). `--code`
measures another checkout (main before a change) on the same data, as that checkout's own
package writes it (an older schema refuses a newer database).
Target: under 2 s at 10,000 sources.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PER_COMPANY = 100
POSTS = 20


def write_config(path: Path, sources: int, database: Path) -> None:
    lines = ["organization:", "  name: Us", "  sources:", "    - feed: https://us.example/0.xml"]
    lines.append("competitors:")
    number = 1
    for company in range(max(1, sources // PER_COMPANY)):
        lines += [f"  - name: Company {company}", "    sources:"]
        for _ in range(PER_COMPANY if company else PER_COMPANY - 1):
            if number >= sources:
                break
            lines.append(f"      - feed: https://c{company}.example/{number}.xml")
            number += 1
    lines.append(f"database: 'sqlite:///{database}'")
    path.write_text("\n".join(lines) + "\n")


def fill(config_path: Path) -> None:
    """Every source collected once: 20 posts, one event, its state."""
    from sqlalchemy import insert, update

    from monitor.config import load_config
    from monitor.store import Store
    from monitor.store import schema as s

    try:
        from monitor.sync import sync_sources
    except ImportError:  # a checkout (--code) from before monitor.sync
        from monitor.collect import sync_sources

    config = load_config(config_path)
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    with Store(config.database) as store:
        sync_sources(config, store)
        ids = [r.id for r in store.sources()]
        posts = [
            {"source_id": i, "external_id": f"p{n}", "published_at": now - timedelta(hours=n),
             "media_type": "link", "first_seen_at": now, "text": f"post {n}", "replies": n}
            for i in ids for n in range(POSTS)
        ]  # fmt: skip
        events = [{"source_id": i, "at": now, "ok": True, "new_posts": POSTS} for i in ids]
        with store.engine.begin() as connection:
            connection.execute(insert(s.posts), posts)
            connection.execute(insert(s.source_events), events)
            connection.execute(
                update(s.sources).values(last_attempt_at=now, last_ok_at=now, next_due_at=now)
            )


def run_status(code: Path, config_path: Path) -> float:
    # Run from the checkout: `python -m` puts the working folder first on the path, ahead
    # of PYTHONPATH (from this one, every checkout measured this one's package).
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "monitor", "status", "-c", str(config_path)],
        env={**os.environ, "PYTHONPATH": str(code), "COLUMNS": "160"}, cwd=code,
        stdout=subprocess.DEVNULL, check=True,
    )  # fmt: skip
    return time.perf_counter() - began


def fill_with(code: Path, config_path: Path) -> None:
    """fill() by another checkout's package: its own schema (an older one refuses a newer)."""
    subprocess.run(
        [sys.executable, __file__, "--fill", str(config_path)],
        env={**os.environ, "PYTHONPATH": str(code)}, cwd=code, check=True,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sources", type=int, default=10000)
    parser.add_argument(
        "--code",
        type=Path,
        action="append",
        default=[],
        help="also measure this checkout (repeatable); this one always",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()  # fmt: skip
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        for code in [ROOT, *args.code]:
            config_path = Path(folder) / f"status-{len(figures)}.yaml"
            write_config(config_path, args.sources, config_path.with_suffix(".db"))
            fill_with(code.resolve(), config_path)
            figures[str(code.resolve())] = run_status(code.resolve(), config_path)
    if args.json:
        print(json.dumps({"sources": args.sources, "status_s": figures}))
        return
    for code, seconds in figures.items():
        print(f"monitor status, {args.sources} sources ({code}): {seconds:.2f} s (target < 2 s)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--fill"]:
        fill(Path(sys.argv[2]))
    else:
        main()
