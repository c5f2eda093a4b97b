"""Running it as a service, through the command line: paths, health, restarts, conventions."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from importlib.metadata import version
from pathlib import Path

import jsonschema
import pytest
import yaml
from pytest_httpserver import HTTPServer

from monitor.clock import utc_now
from monitor.store import Store

ROOT = Path(__file__).resolve().parents[1]
FEED = (ROOT / "tests/fixtures/feed/wordpress_rss2.xml").read_bytes()
POSTGRES_URL = os.environ.get("MONITOR_TEST_DATABASE_URL")
# Generous: the suite must pass on a loaded 2-core machine.
PATIENCE_S = 90


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120):
    environment = {k: v for k, v in os.environ.items() if k != "MONITOR_CONFIG"}
    environment.update({"COLUMNS": "200", **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        timeout=timeout,
    )


def start_job(*args: str, cwd: Path) -> subprocess.Popen[str]:
    environment = {k: v for k, v in os.environ.items() if k != "MONITOR_CONFIG"}
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", "run", *args],
        cwd=cwd,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def write_config(folder: Path, sources: str, database: str = "sqlite:///../data/monitor.db"):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "monitor.yaml"
    path.write_text(
        f"organization: {{name: Us, sources: [{sources}]}}\n"
        "competitors: [{name: Acme, sources: [feed: 'http://127.0.0.1:9/acme']}]\n"
        "collect: {max_retries: 0, per_host_interval: 10ms, interval: 1h}\n"
        "report: {outbox: ../reports}\n"
        f"database: '{database}'\n",
        encoding="utf-8",
    )
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def status_json(config: Path, cwd: Path) -> tuple[int, dict]:
    result = cli("status", "--json", "-c", str(config), cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.5)


def stop(job: subprocess.Popen[str]) -> tuple[int, str]:
    job.send_signal(signal.SIGTERM)
    _out, err = job.communicate(timeout=PATIENCE_S)
    return job.returncode, err


@pytest.fixture
def site(tmp_path: Path, httpserver: HTTPServer) -> Path:
    """A config folder whose sources answer on loopback: Us healthy; Acme's refuses (port 9)."""
    httpserver.expect_request("/feed").respond_with_data(FEED, content_type="application/rss+xml")
    write_config(tmp_path / "site" / "config", f"feed: '{httpserver.url_for('/feed')}'")
    (tmp_path / "elsewhere").mkdir()
    return tmp_path


# --- 1. paths follow the configuration file ----------------------------------------------------


def test_reading_commands_never_create_a_database(site: Path) -> None:
    config = str(site / "site/config/monitor.yaml")
    database = site / "site/data/monitor.db"
    for command in (["status"], ["export", "posts"], ["report"], ["report", "--send"]):
        result = cli(*command, "-c", config, cwd=site / "elsewhere")
        assert result.returncode == 2, (command, result.stderr)
        said = " ".join(result.stderr.split())
        assert f"no database at {database} yet: run `monitor collect` first" in said
    assert not database.exists()
    assert list((site / "elsewhere").iterdir()) == []


def test_paths_are_relative_to_the_config_file_not_the_working_folder(site: Path) -> None:
    config = str(site / "site/config/monitor.yaml")
    collected = cli("collect", "-c", config, cwd=site / "elsewhere")
    assert collected.returncode == 1  # Acme's source refuses
    assert (site / "site/data/monitor.db").is_file()
    assert list((site / "elsewhere").iterdir()) == []
    reported = cli("report", "-c", config, cwd=site / "elsewhere")
    assert reported.returncode == 0, reported.stderr
    assert list((site / "site/reports").glob("*.html"))
    assert list((site / "elsewhere").iterdir()) == []


# --- 2. health you can check -------------------------------------------------------------------


def test_status_is_0_when_healthy_and_1_with_the_problem_when_a_source_fails(
    site: Path, httpserver: HTTPServer
) -> None:
    folder = site / "site/config"
    healthy = write_config(site / "healthy", f"feed: '{httpserver.url_for('/feed')}'")
    healthy.write_text(
        healthy.read_text().replace(
            "http://127.0.0.1:9/acme", httpserver.url_for("/feed") + "?acme"
        )
    )
    assert cli("collect", "-c", str(healthy), cwd=site).returncode == 0
    code, health = status_json(healthy, site)
    assert (code, health["status"], health["problems"]) == (0, "healthy", [])
    assert {s["state"] for s in health["sources"]} == {"ok"}

    cli("collect", "-c", str(folder / "monitor.yaml"), cwd=site)
    code, health = status_json(folder / "monitor.yaml", site)
    assert (code, health["healthy"]) == (1, False)
    [problem] = health["problems"]
    assert problem.startswith("Acme feed http://127.0.0.1:9/acme: network:")
    text = cli("status", "-c", str(folder / "monitor.yaml"), cwd=site)
    assert text.returncode == 1
    assert "Degraded: 1 source failing or stale." in text.stdout


def test_the_job_beats_and_status_notices_when_it_stops_beating(site: Path) -> None:
    config = site / "site/config/monitor.yaml"
    job = start_job("-c", str(config), cwd=site / "elsewhere")
    try:
        wait_for(
            lambda: (
                (site / "site/data/monitor.db").exists()
                and status_json(config, site)[1]["job"]["state"] == "running"
            ),
            "the job's first heartbeat",
        )
    finally:
        code, err = stop(job)
    assert code == 0, err
    _code, health = status_json(config, site)
    assert health["job"]["state"] == "stopped"
    assert health["job"]["heartbeat_every_s"] == 60

    # A job killed without a word: its last heartbeat ages, and status says so.
    with Store(f"sqlite:///{site / 'site/data/monitor.db'}") as store:
        long_ago = utc_now() - timedelta(minutes=5)
        store.beat(store.start_run("job", long_ago), long_ago)
    code, health = status_json(config, site)
    assert code == 1
    assert health["job"]["state"] == "silent"
    assert any("heartbeat 5 min ago" in p for p in health["problems"])


# --- 3. restarts that recover ------------------------------------------------------------------


def test_an_unreachable_database_is_waited_for_then_exit_1(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/monitor"
    config = write_config(tmp_path, "feed: 'http://127.0.0.1:9/us'", database=url)
    began = time.monotonic()
    result = cli("run", "-c", str(config), "--wait-for-database", "3s", cwd=tmp_path)
    assert result.returncode == 1  # systemd restarts it; 2 is for bad input only
    assert time.monotonic() - began >= 3
    assert "cannot reach the database" in result.stderr
    assert "trying again in" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_input_is_still_exit_2_for_the_job(tmp_path: Path) -> None:
    config = write_config(tmp_path, "feed: 'http://127.0.0.1:9/us'")
    config.write_text(config.read_text() + "collect: {interval: often}\n")
    assert cli("run", "-c", str(config), cwd=tmp_path).returncode == 2
    assert (
        cli("run", "-c", str(config), "--wait-for-database", "soon", cwd=tmp_path).returncode == 2
    )


class LatePort:
    """A loopback port that refuses connections until opened, then forwards to PostgreSQL:
    a database server still booting when the job starts."""

    def __init__(self, target: tuple[str, int]):
        # Bound at once, listening only once opened: refused meanwhile, and no other test
        # can take the port number in between.
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self._target = target
        self._opened, self._stop = threading.Event(), threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def open(self) -> None:
        self._opened.set()

    def _serve(self) -> None:
        self._opened.wait()
        if self._stop.is_set():
            self._socket.close()
            return
        self._socket.listen()
        with self._socket as server:
            server.settimeout(0.2)
            while not self._stop.is_set():
                try:
                    client, _ = server.accept()
                except TimeoutError:
                    continue
                upstream = socket.create_connection(self._target)
                for a, b in ((client, upstream), (upstream, client)):
                    threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass  # the other side closed: this copy ends with it
        finally:
            for end in (source, sink):
                end.close()

    def close(self) -> None:
        self._stop.set()
        self._opened.set()


@pytest.mark.skipif(not POSTGRES_URL, reason="needs MONITOR_TEST_DATABASE_URL (PostgreSQL)")
def test_the_job_starts_once_a_booting_database_answers(tmp_path: Path) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(POSTGRES_URL)  # an empty database, as conftest's fixture makes
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    real = make_url(POSTGRES_URL)
    late = LatePort((real.host or "127.0.0.1", real.port or 5432))
    proxied = real.set(host="127.0.0.1", port=late.port).render_as_string(hide_password=False)
    config = write_config(tmp_path / "job", "feed: 'http://127.0.0.1:9/us'", database=proxied)
    direct = write_config(tmp_path / "direct", "feed: 'http://127.0.0.1:9/us'", POSTGRES_URL)
    said = tmp_path / "job.err"
    environment = {k: v for k, v in os.environ.items() if k != "MONITOR_CONFIG"}
    with said.open("w") as stderr:
        job = subprocess.Popen(
            [sys.executable, "-m", "monitor", "run", "-c", str(config),
             "--wait-for-database", "2m"],
            cwd=tmp_path, env=environment, stdout=subprocess.DEVNULL, stderr=stderr, text=True,
        )  # fmt: skip
    try:
        wait_for(lambda: "trying again in" in said.read_text(), "the job to find no database")
        late.open()  # the database has booted
        wait_for(
            lambda: job.poll() is not None or _job_state(direct, tmp_path) == "running",
            "the job to start",
        )
        assert job.poll() is None, said.read_text()
    finally:
        job.send_signal(signal.SIGTERM)
        code = job.wait(PATIENCE_S)
        late.close()
    err = said.read_text()
    assert code == 0, err
    assert "cannot reach the database" in err and "trying again in" in err


def _job_state(config: Path, cwd: Path) -> str | None:
    result = cli("status", "--json", "-c", str(config), cwd=cwd)
    if result.returncode not in (0, 1) or not result.stdout.strip():
        return None  # no database yet, or one still being set up (said on stderr)
    return json.loads(result.stdout)["job"]["state"]


# --- 5. conventions ----------------------------------------------------------------------------


def test_version_verbose_log_level_and_completion(site: Path) -> None:
    shown = cli("--version", cwd=site)
    assert shown.stdout.strip() == f"competitor-monitor {version('competitor-monitor')}"
    config = str(site / "site/config/monitor.yaml")
    quiet = cli("collect", "-c", config, cwd=site)
    loud = cli("-v", "collect", "-c", config, cwd=site)
    debug = cli("--log-level", "debug", "collect", "-c", config, cwd=site)
    assert " INFO " not in quiet.stderr
    assert " INFO " in loud.stderr and " DEBUG " not in loud.stderr
    assert " DEBUG " in debug.stderr
    assert cli("--log-level", "chatty", "status", cwd=site).returncode == 2
    # From the user's shell, as a user asks for it: Typer finds the shell among the command's
    # parents (a test run left without a shell parent, in the background, would have none).
    completion = subprocess.run(
        # "; exit": bash stays the parent (a lone command would replace it)
        ["bash", "-c", f"'{sys.executable}' -m monitor --show-completion; exit $?"],
        capture_output=True,
        text=True,
        cwd=site,
        timeout=120,
    )
    assert completion.returncode == 0 and "complete -o" in completion.stdout, completion.stderr


def test_each_failed_source_is_printed_once(site: Path) -> None:
    result = cli("collect", "-c", str(site / "site/config/monitor.yaml"), cwd=site)
    assert result.returncode == 1
    assert (result.stdout + result.stderr).count("could not reach the server") == 1


def test_the_config_is_looked_up_in_the_documented_order(tmp_path: Path) -> None:
    work, home = tmp_path / "work", tmp_path / "xdg"
    write_config(home / "competitor-monitor", "feed: 'http://127.0.0.1:9/home'")
    work.mkdir()
    env = {"XDG_CONFIG_HOME": str(home)}
    found = cli("validate", cwd=work, env=env)
    assert found.returncode == 0, found.stderr
    assert str(home / "competitor-monitor/monitor.yaml") in " ".join(found.stdout.split())
    write_config(work / "config", "feed: 'http://127.0.0.1:9/here'")
    assert "config/monitor.yaml: " in cli("validate", cwd=work, env=env).stdout
    chosen = write_config(tmp_path / "chosen", "feed: 'http://127.0.0.1:9/env'")
    by_env = cli("validate", cwd=work, env={**env, "MONITOR_CONFIG": str(chosen)})
    assert str(chosen) in " ".join(by_env.stdout.split())


def test_nothing_found_lists_where_it_looked(tmp_path: Path) -> None:
    result = cli("status", cwd=tmp_path, env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert result.returncode == 2
    said = " ".join(result.stderr.split())
    assert "config/monitor.yaml" in said and "monitor init" in said
    assert "/etc/competitor-monitor/monitor.yaml" in said


def test_init_writes_the_shipped_example_and_never_overwrites(tmp_path: Path) -> None:
    assert (ROOT / "monitor/example.yaml").read_bytes() == (
        ROOT / "config/example.yaml"
    ).read_bytes()
    first = cli("init", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    written = tmp_path / "config/monitor.yaml"
    assert written.read_bytes() == (ROOT / "config/example.yaml").read_bytes()
    assert cli("validate", cwd=tmp_path).returncode == 0
    again = cli("init", cwd=tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr
    assert cli("init", "--force", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize("shipped", ["config/example.yaml", "config/demo.yaml"])
def test_the_printed_schema_accepts_the_shipped_configs(shipped: str, tmp_path: Path) -> None:
    schema = json.loads(cli("config-schema", cwd=tmp_path).stdout)
    jsonschema.Draft202012Validator(schema).validate(yaml.safe_load((ROOT / shipped).read_text()))


def test_the_printed_schema_refuses_what_validate_refuses(tmp_path: Path) -> None:
    validator = jsonschema.Draft202012Validator(
        json.loads(cli("config-schema", cwd=tmp_path).stdout)
    )
    good = yaml.safe_load((ROOT / "config/example.yaml").read_text())
    for bad_source in ({"myspace": "acme"}, {"feed": {"adress": "https://x.example"}}, {"feed": 3}):
        bad = {**good, "organization": {"name": "Us", "sources": [bad_source]}}
        assert not validator.is_valid(bad), bad_source


def test_choices_are_typed_and_listed(tmp_path: Path) -> None:
    listed = " ".join(cli("export", "--help", cwd=tmp_path).stdout.split())
    assert "posts|accounts|weekly" in listed and "csv|json" in listed
    for page in (["report", "--help"], ["status", "--help"], ["--help"]):
        assert "<bool>" not in cli(*page, cwd=tmp_path).stdout  # nor beside --help itself
    for command in (
        ["export", "posts", "--format", "xml"],
        ["run", "--log-format", "xml"],
        ["demo", "--language", "fr"],
    ):
        refused = cli(*command, cwd=tmp_path)
        assert refused.returncode == 2, command
        assert "is not one of" in " ".join(refused.stderr.split())


# --- 6. cron weekday steps ---------------------------------------------------------------------


def test_a_cron_weekday_step_is_accepted_and_means_what_cron_means(tmp_path: Path) -> None:
    config = write_config(tmp_path, "feed: 'http://127.0.0.1:9/us'")
    config.write_text(config.read_text().replace("report: {", "report: {schedule: '0 8 * * */2', "))
    assert cli("validate", "-c", str(config), cwd=tmp_path).returncode == 0
    from datetime import UTC, datetime

    from monitor.config import ReportSettings
    from monitor.scheduler import digest_trigger, next_fire_times

    trigger = digest_trigger(ReportSettings(schedule="0 8 * * */2", timezone="UTC"))
    fires = next_fire_times(trigger, datetime(2026, 11, 23, tzinfo=UTC), 4)  # a Monday
    assert [f.strftime("%a") for f in fires] == ["Tue", "Thu", "Sat", "Sun"]
