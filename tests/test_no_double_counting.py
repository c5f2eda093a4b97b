"""No double counting, through `monitor collect` and `monitor export` on loopback feeds.

A feed that gives every item a new id at each visit, the same posts reached through two of
a company's sources, and a feed whose address moved permanently (301).
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from monitor.metrics import IsoWeek

FRESH_IDS = itertools.count()


def rss(day: datetime, guid_prefix: str = "n") -> str:
    date = day.strftime("%a, %d %b %Y %H:%M:%S GMT")
    items = "".join(
        f"<item><title>News {n}</title><link>https://acme.example/news/{n}</link>"
        f"<guid isPermaLink='false'>{guid_prefix}{n}</guid><pubDate>{date}</pubDate></item>"
        for n in range(3)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Acme</title>'
        f"<link>https://acme.example/</link>{items}</channel></rss>"
    )


def monitor(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args, "-c", "monitor.yaml"],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "400"},
        timeout=120,
    )


def write_config(tmp_path: Path, acme_sources: list[str]) -> None:
    listed = ", ".join(f"feed: '{url}'" for url in acme_sources)
    (tmp_path / "monitor.yaml").write_text(
        "organization: {name: Us, sources: [feed: 'http://127.0.0.1:9/us.xml']}\n"
        f"competitors: [{{name: Acme, sources: [{listed}]}}]\n"
        "collect: {max_retries: 0, per_host_interval: 1ms, timeout: 5s}\n"
        f"database: 'sqlite:///{tmp_path / 'monitor.db'}'\n"
    )


def stored_posts(tmp_path: Path) -> int:
    with sqlite3.connect(tmp_path / "monitor.db") as db:
        return db.execute("SELECT COUNT(*) FROM posts").fetchone()[0]


def test_a_feed_whose_ids_change_at_every_visit_is_counted_by_link(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    day = datetime.now(UTC) - timedelta(days=1)

    def fresh(_request: Request) -> Response:
        body = rss(day, guid_prefix=f"visit{next(FRESH_IDS)}-")
        return Response(body, content_type="application/rss+xml")

    httpserver.expect_request("/acme.xml").respond_with_handler(fresh)
    write_config(tmp_path, [httpserver.url_for("/acme.xml")])
    first = monitor("collect", "--company", "Acme", cwd=tmp_path)
    second = monitor("collect", "--company", "Acme", cwd=tmp_path)
    assert first.returncode == second.returncode == 0, second.stdout + second.stderr
    assert stored_posts(tmp_path) == 3  # not 6
    assert "the feed's item ids change at every visit" in second.stdout


def test_a_company_s_posts_are_counted_once_across_its_sources(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    week = IsoWeek.last_complete(datetime.now(UTC), "UTC")
    wednesday = week.start("UTC") + timedelta(days=2, hours=10)
    for path in ("/news.xml", "/blog/rss"):  # one newsroom, two addresses, same items
        httpserver.expect_request(path).respond_with_data(
            rss(wednesday), content_type="application/rss+xml"
        )
    write_config(tmp_path, [httpserver.url_for("/news.xml"), httpserver.url_for("/blog/rss")])
    assert monitor("collect", "--company", "Acme", cwd=tmp_path).returncode == 0
    exported = monitor("export", "weekly", "--company", "Acme", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    rows = [r for r in csv.DictReader(io.StringIO(exported.stdout)) if r["scope"] == "company"]
    assert [float(r["posts"]) for r in rows] == [3.0]  # not 6


def test_a_permanent_redirect_is_reported_with_the_new_address(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    new = httpserver.url_for("/feeds/acme.xml")
    httpserver.expect_request("/acme.xml").respond_with_data(
        "", status=301, headers={"Location": new}
    )
    httpserver.expect_request("/feeds/acme.xml").respond_with_data(
        rss(datetime.now(UTC) - timedelta(days=1)), content_type="application/rss+xml"
    )
    write_config(tmp_path, [httpserver.url_for("/acme.xml")])
    result = monitor("collect", "--company", "Acme", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    said = f"moved permanently: update the address {httpserver.url_for('/acme.xml')} to {new}"
    assert said in result.stdout.replace("\n", "")
    with sqlite3.connect(tmp_path / "monitor.db") as db:
        remembered = db.execute(
            "SELECT remember FROM sources WHERE target LIKE '%acme%'"
        ).fetchone()
    assert new in remembered[0]
