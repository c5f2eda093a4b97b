"""Render time and message size of a digest for 10 companies x 5 platforms (run by hand).

    PYTHONPATH=. .venv/bin/python tests/benchmarks/bench_render.py
    PYTHONPATH=. .venv/bin/python tests/benchmarks/bench_render.py --companies 4 \
        --screenshot /tmp/digest.png        # a picture of the digest (needs chromium)

A seeded 13-week world goes through the real store and metrics, then the digest is rendered.
Targets: rendering (charts included) under 3 s, the message under 1 MB.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image

from monitor import insights
from monitor.config import parse_config
from monitor.domain import AccountStats, Counts, Harvest, Post
from monitor.metrics import IsoWeek, MetricsSettings, load_and_compute
from monitor.report.archive import write_archive
from monitor.report.figures import week_figures
from monitor.report.mime import compose_message
from monitor.report.render import render_digest
from monitor.store import Store
from monitor.sync import sync_sources

WEEK = IsoWeek(2025, 47)
NOW = datetime(2025, 11, 24, 7, 0, tzinfo=UTC)
NAMES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell", "Cyberdyne"]
TEXTS = [
    "Our new line is out today: lighter, faster, recyclable. Tell us what you think!",
    "Behind the scenes at the Milan plant: 40 people, one goal.",
    "Webinar on Thursday: how to cut energy use by 20% in small offices.",
    "We are hiring engineers in Turin and Bologna. Apply by the end of the month.",
    "Customer story: how a family bakery doubled its online orders.",
    "Our annual report is out. Three charts that explain our year.",
]


def config_yaml(companies: int, outbox: Path, language: str) -> str:
    def sources(slug: str, index: int) -> str:
        return (
            f'[{{mastodon: "@{slug}@mastodon.example"}}, {{bluesky: {slug}.bsky.social}}, '
            f"{{telegram: {slug}_news}}, {{youtube: UC{index:02d}{'a' * 20}}}, "
            f"{{feed: https://{slug}.example/feed.xml}}]"
        )

    lines = ["organization:", "  name: Our Company", f"  sources: {sources('ourco', 99)}"]
    lines.append("competitors:")
    for index, name in enumerate(NAMES[: companies - 1]):
        lines += [f"  - name: {name}", f"    sources: {sources(name.lower(), index)}"]
    lines.append(
        f"report: {{timezone: Europe/Rome, language: {language}, weeks_of_trend: 12, "
        f'top_posts: 5, recipients: [ceo@ourco.example], outbox: "{outbox}"}}'
    )
    return "\n".join(lines)


def fill(store: Store, rng: random.Random) -> None:
    """13 weeks of posts per source; bigger competitors post more and earn more."""
    end = WEEK.end("Europe/Rome").astimezone(UTC)
    for source in store.sources():
        weight = 0.6 if source.is_self else 0.6 + 2.0 * rng.random()
        count = int(13 * 3 * weight) + 1
        posts = []
        for n in range(count):
            at = end - timedelta(days=rng.uniform(0.05, 91))
            at = at.replace(hour=rng.choice([8, 9, 10, 11, 13, 15, 17, 18]))
            base = rng.lognormvariate(3.2, 0.9) * weight * 3
            posts.append(
                Post(
                    external_id=f"{source.id}-{n}",
                    published_at=min(at, end - timedelta(minutes=5)),
                    url=f"https://{source.kind}.example/{source.id}/{n}",
                    text=rng.choice(TEXTS),
                    media_type=rng.choice(["text", "image", "video", "link"]),
                    counts=Counts(likes=int(base), replies=int(base / 9), reposts=int(base / 5)),
                    thumbnail_url=f"https://cdn.example/{source.id}/{n}.jpg",
                )
            )
        followers = int(2000 * weight * (1 + rng.random()))
        start = WEEK.start("Europe/Rome").astimezone(UTC)
        for observed, grown in ((start - timedelta(days=1), 0), (end - timedelta(hours=1), 1)):
            harvest = Harvest(
                observed_at=observed,
                posts=tuple(p for p in posts if p.published_at <= observed),
                account=AccountStats(followers=followers + grown * int(followers * 0.02)),
            )
            store.save_harvest(
                source.id, harvest, track_engagement_for=timedelta(days=120), next_due_at=NOW
            )
    telegram = next(s for s in store.sources() if s.kind == "telegram" and not s.is_self)
    for hour in (10, 14, 18):
        store.record_failure(
            telegram.id,
            "rate_limited",
            "Too many requests",
            at=WEEK.start("Europe/Rome").astimezone(UTC) + timedelta(days=2, hours=hour),
            next_due_at=NOW,
        )


def screenshot(html: Path, target: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium is not on PATH")
    with tempfile.TemporaryDirectory() as profile:
        raw = Path(profile) / "shot.png"
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={profile}",
                f"--screenshot={raw}",
                "--window-size=680,6000",
                html.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        image = Image.open(raw).convert("RGB")
        background = image.getpixel((5, image.height - 1))
        bottom = max(y for y in range(0, image.height, 4) if image.getpixel((340, y)) != background)
        target.parent.mkdir(parents=True, exist_ok=True)
        image.crop((0, 0, image.width, min(image.height, bottom + 24))).save(target, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--companies", type=int, default=10)
    parser.add_argument("--language", default="en")
    parser.add_argument("--screenshot", type=Path)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        outbox = Path(folder) / "reports"
        config = parse_config(config_yaml(args.companies, outbox, args.language))
        with Store(f"sqlite:///{folder}/bench.db") as store:
            sync_sources(config, store)
            fill(store, random.Random(47))
            settings = MetricsSettings.from_report(config.report)
            started = time.perf_counter()
            metrics = load_and_compute(store, WEEK, settings)
            measured = time.perf_counter()
        argument = insights.interpret(metrics, settings)
        rendered_at = time.perf_counter()
        digest = render_digest(
            metrics, argument, language=args.language, top_posts=5, generated_at=NOW
        )
        message = compose_message(digest)
        done = time.perf_counter()
        figures = week_figures(metrics, argument, digest)
        paths = write_archive(digest, outbox, WEEK.label, figures)
        size = len(message.as_bytes())
        if args.json:
            print(json.dumps({
                "companies": args.companies, "platforms": 5,
                "metrics_s": measured - started, "render_s": done - rendered_at,
                "message_bytes": size,
            }))  # fmt: skip
            return
        print(
            f"companies x platforms: {args.companies} x 5, posts in the week: "
            f"{sum(int(c.posts.value or 0) for c in metrics.companies)}"
        )
        print(f"metrics (store read + compute): {measured - started:.2f} s")
        print(f"render + message (2 charts, html x2, text, MIME): {done - rendered_at:.2f} s")
        print(f"message size: {size / 1024:.0f} KiB ({size} bytes); target < 1 MB")
        print(f"subject: {digest.subject}")
        if args.screenshot:
            screenshot(paths.html, args.screenshot)
            print(f"screenshot: {args.screenshot}")


if __name__ == "__main__":
    main()
