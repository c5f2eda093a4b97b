"""Counts beyond what the store holds, through `monitor collect`, on SQLite and PostgreSQL.

A Mastodon server answers 2**64 likes, 1e30 reposts, Infinity replies and NaN likes (JSON
as Python's and many servers' encoders write it). Each such counter becomes unknown with a
warning on its post; the other counters, the other posts and the other company's feed are
stored as usual. Before: OverflowError on SQLite, aborting every source; "cannot use the
database: bigint out of range" on PostgreSQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pytest_httpserver import HTTPServer
from sqlalchemy import create_engine, text

FIXTURES = Path(__file__).parent.parent / "fixtures" / "mastodon"
ACCOUNT_ID = "109300000000000001"


def hostile_statuses() -> str:
    statuses = json.loads((FIXTURES / "statuses_page1.json").read_text())
    recent = datetime.now(UTC) - timedelta(days=1)
    for index, status in enumerate(statuses):
        status["created_at"] = (recent - timedelta(hours=index)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        status["favourites_count"] = f"@likes{index}@"
        status["reblogs_count"] = f"@reposts{index}@"
        status["replies_count"] = f"@replies{index}@"
    body = json.dumps(statuses)
    values = {
        "likes0": str(2**64), "reposts0": "1e30", "replies0": "3",
        "likes1": "5", "reposts1": "8", "replies1": "2",  # a boost: its own counts are kept
        "likes2": "9", "reposts2": "4", "replies2": "Infinity",
        "likes3": "NaN", "reposts3": "6", "replies3": "1",
    }  # fmt: skip
    for name, value in values.items():
        body = body.replace(f'"@{name}@"', value)
    return body


FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Globex news</title><link>https://globex.example/</link>
<item><title>Globex ships</title><link>https://globex.example/n/1</link><guid>g1</guid>
<pubDate>{date}</pubDate></item></channel></rss>"""


def test_counts_beyond_the_store_become_unknown_with_a_warning(
    httpserver: HTTPServer, tmp_path: Path, database_url: str
) -> None:
    lookup = (FIXTURES / "account_lookup.json").read_text()
    httpserver.expect_request("/api/v1/accounts/lookup").respond_with_data(
        lookup, content_type="application/json"
    )
    httpserver.expect_request(f"/api/v1/accounts/{ACCOUNT_ID}/statuses").respond_with_data(
        hostile_statuses(), content_type="application/json"
    )
    date = (datetime.now(UTC) - timedelta(days=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    httpserver.expect_request("/feed").respond_with_data(
        FEED.format(date=date), content_type="application/rss+xml"
    )
    base = httpserver.url_for("").rstrip("/")
    (tmp_path / "monitor.yaml").write_text(
        f'organization: {{name: Us, sources: [{{mastodon: {{handle: "@acme@social.example",'
        f' base_url: "{base}"}}}}]}}\n'
        f'competitors: [{{name: Globex, sources: [feed: "{base}/feed"]}}]\n'
        "collect: {max_retries: 0, per_host_interval: 1ms}\n"
        f"database: '{database_url}'\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "collect", "-c", "monitor.yaml"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "COLUMNS": "400"},
        timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert "cannot use the database" not in result.stderr
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("a count beyond what can be stored") == 3  # once a post
    assert "likes 18446744073709551616, reposts 100000000000…(31 digits)" in result.stdout
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT likes, reposts, replies FROM posts"
                " WHERE url LIKE '%social.acme%' AND NOT is_repost ORDER BY published_at DESC"
            )
        ).all()
        feed_posts = connection.execute(
            text("SELECT count(*) FROM posts WHERE url = 'https://globex.example/n/1'")
        ).scalar()
    engine.dispose()
    assert [tuple(r) for r in rows] == [(None, None, 3), (9, 4, None), (None, 6, 1)]
    assert feed_posts == 1  # the other company's source was not stopped
