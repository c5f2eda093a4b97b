"""`monitor worker`: what it refuses, plainly, before anything runs (no PostgreSQL needed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.config import parse_config
from monitor.errors import ConfigError
from monitor.fleet.options import node_settings
from monitor.fleet.tasks import every_seconds

PROJECT = Path(__file__).resolve().parents[2]
CONFIG = """\
organization: {name: Us, sources: [feed: http://127.0.0.1:9/us.xml]}
competitors: [{name: Acme, sources: [feed: http://127.0.0.1:9/acme.xml]}]
database: DATABASE
"""


def worker(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", "worker", "-c", str(config), *args],
        capture_output=True, text=True, cwd=PROJECT, timeout=120,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
    )  # fmt: skip


def test_worker_on_sqlite_says_fleet_mode_needs_postgresql(tmp_path: Path) -> None:
    config = tmp_path / "monitor.yaml"
    config.write_text(CONFIG.replace("DATABASE", f"sqlite:///{tmp_path / 'monitor.db'}"))
    done = worker(config)
    assert done.returncode == 2
    assert "fleet mode needs PostgreSQL" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "monitor.db").exists()  # refused before anything was created


def test_monitor_run_with_workers_on_sqlite_says_fleet_mode_needs_postgresql(
    tmp_path: Path,
) -> None:
    config = tmp_path / "monitor.yaml"
    config.write_text(CONFIG.replace("DATABASE", f"sqlite:///{tmp_path / 'monitor.db'}"))
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "run", "-c", str(config), "--workers", "2"],
        capture_output=True, text=True, cwd=PROJECT, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert "fleet mode needs PostgreSQL" in done.stderr and "Traceback" not in done.stderr


def test_a_plan_interval_that_cron_cannot_say_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "monitor.yaml"
    config.write_text(CONFIG.replace("DATABASE", "postgresql+psycopg://nobody@127.0.0.1:9/x"))
    done = worker(config, "--plan-every", "7s")
    assert done.returncode == 2
    assert "--plan-every" in done.stderr and "'7s'" in done.stderr
    assert "Traceback" not in done.stderr


def settings(**options: str):
    config = parse_config(CONFIG.replace("DATABASE", "postgresql+psycopg://x@127.0.0.1/x"))
    chosen = {"plan_every": "10s", "heartbeat_every": "10s", "stalled_after": "30s", **options}
    return node_settings(config, queue="all", concurrency=None, name="n1", **chosen)


def test_node_settings_default_to_the_configured_concurrency_and_both_queues() -> None:
    chosen = settings()
    assert chosen.concurrency == 16 and chosen.queues == ("collect", "control")
    assert (chosen.plan_every_s, chosen.heartbeat_s, chosen.stalled_after_s) == (10, 10, 30)


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ({"stalled_after": "15s"}, "at least twice --heartbeat-every"),
        ({"heartbeat_every": "500ms"}, "a whole number of seconds"),
        ({"plan_every": "90s"}, "divides a minute or an hour"),
        ({"plan_every": "soon"}, "not a duration"),
    ],
)
def test_node_settings_refuse_what_would_not_work(options: dict, said: str) -> None:
    with pytest.raises(ConfigError, match=said):
        settings(**options)


def test_the_plan_cron_fires_every_given_seconds_or_minutes() -> None:
    assert every_seconds(1) == "* * * * * */1"
    assert every_seconds(15) == "* * * * * */15"
    assert every_seconds(300) == "*/5 * * * *"
