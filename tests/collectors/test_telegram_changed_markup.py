"""A Telegram preview whose surrounding markup changed is read for what it still holds.

Through `monitor collect` against a loopback server serving the real preview with its
channel header removed (and, second, with the messages' wrapper class renamed too): the
posts are stored, the subscribers are unknown, and the collection says so.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from pytest_httpserver import HTTPServer

PREVIEW = Path(__file__).parent.parent / "fixtures" / "telegram" / "channel_latest.html"


def changed_preview(rename_messages: bool) -> str:
    soup = BeautifulSoup(PREVIEW.read_bytes(), "lxml")
    for header in soup.select(".tgme_channel_info, .tgme_header"):
        header.decompose()
    text = str(soup)
    if rename_messages:
        text = text.replace('class="tgme_widget_message ', 'class="tgme_post ')
    yesterday = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%d")
    return re.sub(r'datetime="\d{4}-\d{2}-\d{2}', f'datetime="{yesterday}', text)


@pytest.mark.parametrize("rename_messages", [False, True], ids=["header gone", "layout changed"])
def test_posts_are_read_and_the_missing_header_is_unknown_with_a_warning(
    httpserver: HTTPServer, tmp_path: Path, rename_messages: bool
) -> None:
    httpserver.expect_request("/s/acme_news").respond_with_data(
        changed_preview(rename_messages), content_type="text/html; charset=utf-8"
    )
    base = httpserver.url_for("").rstrip("/")
    (tmp_path / "monitor.yaml").write_text(
        "organization: {name: Us, sources: [{telegram: "
        f"{{channel: acme_news, base_url: '{base}'}}}}]}}\n"
        "competitors: [{name: Acme, sources: [feed: 'http://127.0.0.1:9/feed']}]\n"
        "collect: {max_retries: 0, per_host_interval: 1ms, timeout: 5s}\n"
        f"database: 'sqlite:///{tmp_path / 'monitor.db'}'\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "collect", "--company", "Us", "-c", "monitor.yaml"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "COLUMNS": "400"},
        timeout=120,
    )
    assert "Traceback" not in result.stderr
    assert result.returncode == 0, result.stdout + result.stderr
    assert "its subscribers are unknown" in result.stdout
    with sqlite3.connect(tmp_path / "monitor.db") as db:
        posts = db.execute("SELECT COUNT(*) FROM posts").fetchone()[0]
        audience = db.execute("SELECT COUNT(*) FROM account_counts").fetchone()[0]
    assert posts >= 5
    assert audience == 0  # unknown, not 0 subscribers
