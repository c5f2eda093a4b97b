"""A source kind is declared once (monitor/kinds/) and every list of kinds follows from it."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.collectors import collector_for
from monitor.config import SOURCE_MODELS, config_schema, parse_config
from monitor.errors import ConfigError
from monitor.kinds import all_kinds, display_name, unmet_needs
from monitor.report.context import platform_name
from monitor.report.i18n import Formatter

ROOT = Path(__file__).parents[1]


def test_every_list_of_kinds_is_the_declared_kinds() -> None:
    declared = set(all_kinds())
    assert {"feed", "mastodon", "instagram", "html"} <= declared
    assert set(SOURCE_MODELS) == declared
    schema_kinds = {
        definition["properties"]["kind"]["const"]
        for definition in config_schema()["$defs"].values()
        if "kind" in definition.get("properties", {})
        and "const" in definition["properties"]["kind"]
    }
    assert schema_kinds == declared


@pytest.mark.parametrize("name", sorted(all_kinds()))
def test_each_declared_kind_has_a_collector_and_its_short_form(name: str) -> None:
    declared = all_kinds()[name]
    info = collector_for(name)
    assert inspect.iscoroutinefunction(info.collect)
    assert info.declared is declared
    assert declared.model.model_fields["kind"].default == name
    assert declared.target_field in declared.model.model_fields or any(
        f.alias == declared.target_field for f in declared.model.model_fields.values()
    )
    assert display_name(name) == declared.display_name


def test_platform_names_come_from_the_declarations_and_are_translated() -> None:
    assert platform_name("youtube", Formatter("en")) == "YouTube"
    assert platform_name("feed", Formatter("en")) == "Website feed"
    assert platform_name("feed", Formatter("it")) != "Website feed"
    assert platform_name("gone_kind", Formatter("en")) == "Gone_kind"


def test_an_unknown_kind_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown source kind 'myspace'; known: .*mastodon"):
        parse_config(
            "organization: {name: Us, sources: [myspace: us]}\n"
            "competitors: [{name: Acme, sources: [feed: 'https://acme.example/feed']}]\n"
        )


INSTAGRAM = (
    "organization: {name: Us, sources: [feed: 'https://us.example/feed']}\n"
    "competitors:\n"
    "  - name: Acme\n"
    "    sources:\n"
    "      - instagram: {username: acme, token_env: MONITOR_TEST_IG_TOKEN, ig_user_id: '178'}\n"
    "database: sqlite:///data/monitor.db\n"
)


def test_unmet_needs_say_what_is_missing_and_where() -> None:
    source = parse_config(INSTAGRAM).competitors[0].sources[0]
    assert unmet_needs(source, environ={}) == [
        "needs your own Instagram Graph API access token in the environment variable "
        "MONITOR_TEST_IG_TOKEN, which is not set"
    ]
    assert unmet_needs(source, environ={"MONITOR_TEST_IG_TOKEN": "secret"}) == []


def _monitor(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MONITOR_TEST_IG_TOKEN"}
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**env, "COLUMNS": "250", "PYTHONPATH": str(ROOT)},
        timeout=120,
    )


def test_validate_and_status_report_what_a_kind_needs(tmp_path: Path) -> None:
    (tmp_path / "monitor.yaml").write_text(INSTAGRAM)
    checked = _monitor("validate", "-c", "monitor.yaml", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    said = " ".join(checked.stdout.split())
    assert "Acme instagram acme needs your own Instagram Graph API access token" in said
    assert "MONITOR_TEST_IG_TOKEN, which is not set; it cannot be collected" in said
    assert said.count("MONITOR_TEST_IG_TOKEN") == 1  # said once, in the kind's words
    _monitor("collect", "-c", "monitor.yaml", cwd=tmp_path)  # status reads, never creates
    status = _monitor("status", "-c", "monitor.yaml", cwd=tmp_path)
    assert status.returncode == 1, status.stderr  # degraded: the source cannot be collected
    shown = " ".join(status.stdout.split())
    assert "needs your own Instagram Graph API access token" in shown
