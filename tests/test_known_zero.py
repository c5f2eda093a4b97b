"""A company read normally all week that posted nothing earned 0 engagement: a known zero.

Through `monitor export weekly`: before, its engagement was empty (unknown), the same as a
company whose sources could not be read.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.config import load_config
from monitor.domain import AccountStats, Counts, Harvest, Post
from monitor.store import Store
from monitor.sync import sync_sources

WEEK_START = datetime(2026, 11, 16, tzinfo=UTC)  # Monday of 2026-W47


def test_silent_but_read_company_has_zero_engagement_and_unread_one_unknown(tmp_path: Path):
    (tmp_path / "monitor.yaml").write_text(
        "organization: {name: Us, sources: [feed: 'https://us.example/feed']}\n"
        "competitors:\n"
        "  - {name: Quiet, sources: [mastodon: '@quiet@social.example']}\n"
        "  - {name: Unread, sources: [mastodon: '@unread@social.example']}\n"
        f"database: 'sqlite:///{tmp_path / 'monitor.db'}'\n"
    )
    config = load_config(tmp_path / "monitor.yaml")
    with Store(config.database) as store:
        sync_sources(config, store)
        ids = {r.company: r.id for r in store.sources()}
        for day in range(7):  # read every day of the week
            at = WEEK_START + timedelta(days=day, hours=12)
            posts = (Post(f"us-{day}", at - timedelta(hours=2), counts=Counts(likes=5)),)
            for company, harvest in (
                ("Us", Harvest(observed_at=at, posts=posts)),
                ("Quiet", Harvest(observed_at=at, account=AccountStats(followers=900))),
            ):
                store.save_harvest(
                    ids[company], harvest, track_engagement_for=timedelta(days=14), next_due_at=at
                )
            store.record_failure(
                ids["Unread"], "timeout", "the server did not answer", at=at, next_due_at=at
            )
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "export", "weekly", "--week", "2026-W47",
         "-c", "monitor.yaml"],
        capture_output=True, text=True, cwd=tmp_path, env={**os.environ}, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = {
        r["company"]: r
        for r in csv.DictReader(io.StringIO(result.stdout))
        if r["scope"] == "company"
    }
    assert rows["Us"]["engagement"] in ("35", "35.0")
    assert rows["Quiet"]["posts"] in ("0", "0.0")
    assert rows["Quiet"]["engagement"] in ("0", "0.0")  # known: read all week, posted nothing
    assert rows["Unread"]["engagement"] == ""  # unknown: never read in the week
