"""Outcome sources end to end: a CSV collected like any source, stored per week, exported
with our posts and engagement beside it, and a failing one said in data health only."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.collect import run_cycle
from monitor.config import load_config
from monitor.domain import Counts, Harvest, Post
from monitor.metrics import IsoWeek, MetricsSettings, load_and_compute
from monitor.store import Store
from monitor.sync import sync_sources

WEEK_START = datetime(2026, 11, 16, tzinfo=UTC)  # Monday of 2026-W47
NOW = WEEK_START + timedelta(days=7, hours=7)
CSV = "week;visits_from_social;signups;orders;revenue\n2026-W46;1.120;14;5;612,00\n" \
      "2026-W47;1.840;23;9;1.234,50\n"  # fmt: skip


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "outcomes.csv").write_text(CSV, encoding="utf-8")
    (tmp_path / "config" / "monitor.yaml").write_text(
        "organization: {name: Us, sources: [feed: 'https://us.example/feed']}\n"
        "competitors: [{name: Acme, sources: [feed: 'https://acme.example/feed']}]\n"
        "outcome_sources: [csv: {location: outcomes.csv, currency: EUR}]\n"
        "spend: {amount: 460, per: week, currency: EUR}\n"
        "report: {outbox: ../out, timezone: UTC}\n"
        "database: sqlite:///../data/monitor.db\n"
    )
    config = load_config(tmp_path / "config" / "monitor.yaml")
    with Store(config.database) as store:
        sync_sources(config, store)
        ids = {(r.company, r.kind): r.id for r in store.sources()}
        for week, count in ((0, 2), (1, 4)):
            start = WEEK_START - timedelta(days=7 * (1 - week))
            posts = tuple(Post(f"u{week}-{n}", start + timedelta(days=n), counts=Counts(likes=10))
                          for n in range(count))  # fmt: skip
            harvest = Harvest(observed_at=start + timedelta(days=6), posts=posts)
            store.save_harvest(ids[("Us", "feed")], harvest, next_due_at=NOW,
                               track_engagement_for=timedelta(days=14))  # fmt: skip
        asyncio.run(run_cycle(config, store, now=lambda: NOW, source_ids=[ids[("Us", "csv")]]))
    return tmp_path


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    command = [sys.executable, "-m", "monitor", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


def test_a_relative_csv_path_is_read_from_the_configuration_folder(project: Path) -> None:
    config = load_config(project / "config" / "monitor.yaml")
    assert config.outcome_sources[0].location == (project / "config" / "outcomes.csv").as_posix()


def test_export_outcomes_sets_our_weeks_results_beside_our_posts_and_cost(project: Path) -> None:
    done = run("export", "outcomes", "--week", "2026-W47", "--format", "json",
               "-c", "config/monitor.yaml", cwd=project)  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = {row["week"]: row for row in json.loads(done.stdout)}
    this, last = rows["2026-W47"], rows["2026-W46"]
    assert (this["posts"], this["engagement"], this["visits_from_social"]) == (4, 40, 1840)
    assert (this["signups"], this["orders"], this["revenue"], this["currency"]) == (
        23, 9, 1234.5, "EUR")  # fmt: skip
    assert (this["spend"], this["spend_from"]) == (460, "configuration")
    assert this["cost_per_visit"] == pytest.approx(0.25) and this["cost_per_engagement"] == 11.5
    assert (last["posts"], last["visits_from_social"]) == (2, 1120)
    assert rows["2026-W45"]["visits_from_social"] is None  # never 0 for a week not given


def test_a_failing_outcome_source_is_in_data_health_and_marks_no_figure_low(
    project: Path,
) -> None:
    (project / "config" / "outcomes.csv").unlink()
    config = load_config(project / "config" / "monitor.yaml")
    with Store(config.database) as store:
        csv = [r.id for r in store.sources() if r.kind == "csv"]
        asyncio.run(run_cycle(config, store, now=lambda: NOW - timedelta(days=1), source_ids=csv))
        metrics = load_and_compute(store, IsoWeek.parse("2026-W47"), MetricsSettings(), NOW)
    failing = [h for h in metrics.health if h.platform == "csv"]
    assert failing and failing[0].failures == {"not_found": 1}
    assert metrics.us is not None and not metrics.us.incomplete
    assert all(row.platform != "csv" for row in metrics.platforms)


def _digest(project: Path, now: datetime = NOW):
    from monitor.weekly import run_week

    config = load_config(project / "config" / "monitor.yaml")
    with Store(config.database) as store:
        return run_week(store, config, IsoWeek.parse("2026-W47"), now).digest


def test_the_digest_says_what_it_brought_us_with_a_bad_row_of_the_file(project: Path) -> None:
    (project / "config" / "outcomes.csv").write_text(CSV + "2026-W45;mille;3;1;10\n")
    config = load_config(project / "config" / "monitor.yaml")
    with Store(config.database) as store:
        csv = [r.id for r in store.sources() if r.kind == "csv"]
        later = NOW - timedelta(hours=8)  # a reading inside the week
        asyncio.run(run_cycle(config, store, now=lambda: later, source_ids=csv))
    text = _digest(project).text
    brought = text[text.index("WHAT IT BROUGHT US") : text.index("WHAT ELSE MATTERS")]
    assert "Visits from social this week: 1,840, +64% on last week (1,120)." in brought
    assert "Cost per visit from social this week: €0.25 (€460 spent, 1,840 visits)." in brought
    assert "CSV file, at its last reading: line 4: 'mille' in visits_from_social" in " ".join(
        brought.split()
    )


def test_an_italian_digest_says_the_files_bad_row_in_italian(project: Path) -> None:
    yaml = project / "config" / "monitor.yaml"
    yaml.write_text(yaml.read_text().replace("timezone: UTC}", "timezone: UTC, language: it}"))
    (project / "config" / "outcomes.csv").write_text(CSV + "2026-W45;mille;3;1;10\n")
    config = load_config(yaml)
    with Store(config.database) as store:
        csv = [r.id for r in store.sources() if r.kind == "csv"]
        asyncio.run(run_cycle(config, store, now=lambda: NOW - timedelta(hours=8), source_ids=csv))
    text = " ".join(_digest(project).text.split())
    assert (
        "File CSV, all'ultima lettura: riga 4: 'mille' in visits_from_social non è un numero; "
        "la riga è stata esclusa"
    ) in text
    assert "the row was left out" not in text


def test_a_failing_outcome_source_is_said_in_the_section_and_in_data_health(
    project: Path,
) -> None:
    (project / "config" / "outcomes.csv").unlink()
    config = load_config(project / "config" / "monitor.yaml")
    with Store(config.database) as store:
        csv = [r.id for r in store.sources() if r.kind == "csv"]
        asyncio.run(run_cycle(config, store, now=lambda: NOW - timedelta(hours=8), source_ids=csv))
    text = " ".join(_digest(project).text.split())
    assert "Not read normally this week: CSV file; some figures may be missing" in text
    health = text[text.index("DATA HEALTH") :]
    assert "Us on CSV file" in health
    # what was read before is still there: last week's figures stand
    assert "Visits from social this week: 1,840" in text


def test_a_corrected_week_changes_the_figures_but_never_the_digest_that_was_sent(
    project: Path,
) -> None:
    from monitor.export import export_outcomes
    from monitor.weekly import run_week

    config = load_config(project / "config" / "monitor.yaml")
    week = IsoWeek.parse("2026-W47")
    with Store(config.database) as store:
        paths = run_week(store, config, week, NOW).paths
        sent = paths.eml.read_bytes()
        store.claim_delivery(week.label, "ceo@us.example", str(paths.eml), NOW)
        store.finish_delivery(week.label, "ceo@us.example", status="sent", now=NOW)
        corrected = CSV.replace("2026-W47;1.840", "2026-W47;1.910")
        (project / "config" / "outcomes.csv").write_text(corrected, encoding="utf-8")
        csv = [r.id for r in store.sources() if r.kind == "csv"]
        later = NOW + timedelta(days=1)
        asyncio.run(run_cycle(config, store, now=lambda: later, source_ids=csv))
        rows = export_outcomes(store, week, MetricsSettings(timezone="UTC"), config.spend)
        again = run_week(store, config, week, later)
    assert rows[-1]["visits_from_social"] == 1910  # the week's figure is corrected
    assert "1,910" in again.digest.text
    assert paths.eml.read_bytes() == sent  # the digest that went out stays as it went out


def test_validate_counts_the_outcome_sources_and_states_the_spend(project: Path) -> None:
    done = run("validate", "-c", "config/monitor.yaml", cwd=project)
    assert done.returncode == 0, done.stderr
    assert "2 companies (us: Us), 2 sources, 1 outcome source." in done.stdout
    assert "Spend: 460.00 EUR a week." in done.stdout
