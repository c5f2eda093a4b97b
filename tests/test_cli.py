"""The report and export commands on a real store: files written, exit codes, plain errors."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path

import pytest

from monitor.collect import sync_sources
from monitor.config import load_config
from monitor.domain import AccountStats, Counts, Harvest, Post
from monitor.store import Store

WEEK_START = datetime(2026, 11, 16, tzinfo=UTC)  # Monday of 2026-W47


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "monitor.yaml").write_text(
        "organization: {name: Us, sources: [feed: 'https://us.example/feed']}\n"
        "competitors: [{name: Acme, sources: [mastodon: '@acme@social.example']}]\n"
        "report: {outbox: out, recipients: [ceo@us.example]}\n"
        "database: sqlite:///data/monitor.db\n"
    )
    config = load_config(tmp_path / "config" / "monitor.yaml")
    with Store(f"sqlite:///{tmp_path / 'data' / 'monitor.db'}") as store:
        sync_sources(config, store)
        ids = {r.company: r.id for r in store.sources()}
        for company, per_day in (("Us", 1), ("Acme", 3)):
            posts = tuple(
                Post(
                    f"{company}-{day}-{n}",
                    WEEK_START + timedelta(days=day, hours=9 + n),
                    text=f"{company} news {day}",
                    counts=Counts(likes=10 * per_day, replies=2),
                )
                for day in range(7)
                for n in range(per_day)
            )
            observed = WEEK_START + timedelta(days=7, hours=1)
            harvest = Harvest(
                observed_at=observed, posts=posts, account=AccountStats(followers=1000 * per_day)
            )
            store.save_harvest(
                ids[company], harvest, track_engagement_for=timedelta(days=14), next_due_at=observed
            )
    return tmp_path


def test_report_writes_the_archive_and_prints_the_takeaways(project: Path) -> None:
    result = run("report", "--week", "2026-W47", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "week 47" in result.stdout
    assert "Acme" in result.stdout
    for suffix in ("html", "eml", "txt"):
        assert (project / "out" / f"2026-W47.{suffix}").is_file()
    assert (project / "out" / "index.html").is_file()
    message = message_from_bytes((project / "out" / "2026-W47.eml").read_bytes())
    assert "week 47" in message["Subject"]


def test_report_send_without_smtp_leaves_it_in_the_outbox(project: Path) -> None:
    result = run("report", "--week", "2026-W47", "--send", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "No mail server is configured" in result.stdout
    status = run("status", cwd=project)
    assert "2026-W47" in status.stdout and "outbox" in status.stdout


def test_a_bad_week_is_refused_plainly(project: Path) -> None:
    result = run("report", "--week", "2026-W99", cwd=project)
    assert result.returncode == 2
    assert "--week" in result.stderr and "Traceback" not in result.stderr


def test_export_posts_as_csv_and_json(project: Path) -> None:
    as_csv = run("export", "posts", "--week", "2026-W47", cwd=project)
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert len(rows) == 7 + 21
    assert {"company", "platform", "published_at", "likes", "engagement"} <= set(rows[0])
    acme = run("export", "posts", "--company", "Acme", "--format", "json", cwd=project)
    posts = json.loads(acme.stdout)
    assert len(posts) == 21 and {p["company"] for p in posts} == {"Acme"}
    assert posts[0]["engagement"] == 32


def test_export_weekly_to_a_file(project: Path) -> None:
    target = project / "weekly.csv"
    result = run("export", "weekly", "--week", "2026-W47", "--output", str(target), cwd=project)
    assert result.returncode == 0, result.stderr
    rows = {(r["scope"], r["company"]): r for r in csv.DictReader(target.open())}
    assert float(rows[("company", "Acme")]["posts"]) == 21
    assert float(rows[("company", "Us")]["posts"]) == 7


def test_export_refuses_an_unknown_table(project: Path) -> None:
    result = run("export", "everything", cwd=project)
    assert result.returncode == 2
    assert "posts, accounts or weekly" in result.stderr


def test_a_missing_config_says_how_to_start(tmp_path: Path) -> None:
    result = run("status", cwd=tmp_path)
    assert result.returncode == 2
    assert "config/example.yaml" in result.stderr
