"""Text from a server or the configuration is printed as it is: `[/]` never breaks the terminal.

Through the real command line, against a loopback server whose 404 body holds Rich markup.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pytest_httpserver import HTTPServer

MARKUP = "Record not found [/] [bold]x"


def monitor(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "250"},
        timeout=120,
    )


def test_markup_in_a_404_body_and_in_names_prints_as_text(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request("/api/v1/accounts/lookup").respond_with_data(
        json.dumps({"error": MARKUP}), status=404, content_type="application/json"
    )
    base = httpserver.url_for("").rstrip("/")
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "monitor.yaml").write_text(
        "organization: {name: Us, sources: [{mastodon: "
        f'{{handle: "@us@social.example", base_url: "{base}"}}}}]}}\n'
        f'competitors: [{{name: "Acme [/]", sources: [feed: "{base}/feed[/]"]}}]\n'
        "collect: {max_retries: 0, per_host_interval: 1ms}\n"
        "database: sqlite:///data/monitor.db\n"
    )
    collected = monitor("collect", cwd=tmp_path)
    assert "Traceback" not in collected.stderr
    assert collected.returncode == 1  # both sources failed, and said why
    assert MARKUP in collected.stdout
    assert "Acme [/]" in collected.stdout
    status = monitor("status", cwd=tmp_path)  # the 404 is now the source's last error
    assert "Traceback" not in status.stderr
    assert status.returncode == 1  # degraded: both sources failing
    assert MARKUP in status.stdout
    validated = monitor("validate", cwd=tmp_path)
    assert validated.returncode == 0
    assert "OK" in validated.stdout


def test_a_config_error_quoting_brackets_is_one_plain_line(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        "organization: {name: Us, sources: [feed: 'https://us.example/[/]feed']}\n"
        "competitors: [{name: Acme, sources: [telegram: '[/]bad']}]\n"
    )
    result = monitor("validate", "-c", "bad.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "'[/]bad'" in result.stderr
