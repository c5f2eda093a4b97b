"""Configuration: the example is valid; every bad file gets its own plain message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.config import (
    HtmlSource,
    MastodonSource,
    load_config,
    missing_secrets,
    parse_config,
    read_secret,
)
from monitor.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
GOOD = """\
organization:
  name: Us
  sources:
    - feed: https://us.example/feed.xml
competitors:
  - name: Acme
    sources:
      - mastodon: "@acme@mastodon.social"
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "bad.yaml")
    return caught.value.problems or [str(caught.value)]


def test_example_config_is_complete_and_valid() -> None:
    config = load_config(ROOT / "config" / "example.yaml")
    assert config.organization.name == "Our Company"
    assert config.collect.interval == timedelta(hours=1)
    assert config.collect.max_bytes == 10_000_000
    assert config.report.timezone == "Europe/Rome"
    assert config.email is not None and config.email.from_.endswith("<monitor@ourco.example>")
    kinds = {s.kind for c in config.companies for s in c.sources}
    assert {"feed", "youtube", "mastodon", "bluesky", "telegram", "reddit", "html"} <= kinds


def test_short_and_long_source_forms_mean_the_same() -> None:
    short = parse_config(GOOD)
    long = parse_config(
        GOOD.replace(
            '- mastodon: "@acme@mastodon.social"',
            '- mastodon: {handle: "@acme@mastodon.social", interval: 30m}',
        )
    )
    assert short.competitors[0].sources[0].key == long.competitors[0].sources[0].key
    assert long.competitors[0].sources[0].interval == timedelta(minutes=30)
    assert isinstance(short.competitors[0].sources[0], MastodonSource)


def test_defaults_fill_everything_but_the_companies() -> None:
    config = parse_config(GOOD)
    assert config.report.schedule == "mon 08:00"
    assert config.collect.lookback == timedelta(days=56)
    assert config.email is None
    assert config.database.startswith("sqlite:///")


def test_html_source_with_selectors() -> None:
    config = parse_config(
        GOOD
        + """      - html:
          url: https://acme.example/news
          item: article.post
          fields: {title: h2, url: "a@href", published: "time@datetime", likes: ".likes"}
"""
    )
    source = config.competitors[0].sources[1]
    assert isinstance(source, HtmlSource)
    assert source.fields["url"] == "a@href"


# Whole files that are wrong from the first line.
BAD_WHOLE_FILES = [
    ("empty file", "", "must be a mapping"),
    ("a list instead of sections", "- a\n- b\n", "must be a mapping"),
    ("invalid YAML", "organization: [unclosed\n", "not valid YAML"),
    ("tab indentation", "organization:\n\tname: x\n", "not valid YAML"),
    ("no organization", "competitors: []\n", "organization: is required"),
    (
        "no competitors",
        "organization: {name: Us, sources: [feed: https://a.example/f]}\n",
        "competitors: is required",
    ),
]
# The good file with one wrong thing added at its end.
BAD_ADDITIONS = [
    ("unknown top-level key", "colect: {interval: 1h}\n", "colect: unknown key"),
    ("typo in a section key", "collect: {intervall: 1h}\n", "collect.intervall: unknown key"),
    ("bad duration", "collect: {interval: 1x}\n", "collect.interval: not a duration"),
    ("negative duration", "collect: {timeout: 0s}\n", "collect.timeout: must be longer than zero"),
    ("bad size", "collect: {max_bytes: lots}\n", "collect.max_bytes: not a size"),
    ("bad timezone", "report: {timezone: Mars/Olympus}\n", "report.timezone: not a time zone"),
    ("bad schedule", "report: {schedule: 'someday 08:00'}\n", "'someday' is not a day of the week"),
    ("bad hour in schedule", "report: {schedule: 'mon 25:00'}\n", "between 00:00 and 23:59"),
    ("bad cron", "report: {schedule: '0 8 * * funday'}\n", "not a valid cron expression"),
    ("unsupported language", "report: {language: de}\n", "report.language"),
    ("bad recipient", "report: {recipients: [ceo-at-example]}\n", "report.recipients.0"),
    (
        "bad sender",
        "email: {host: smtp.example, from: nobody}\n",
        "email.from: not an e-mail address",
    ),
    (
        "password in the file",
        "email: {host: s.example, from: a@b.example, password: hunter2}\n",
        "email.password: unknown key",
    ),
    (
        "username without password_env",
        "email: {host: s.example, from: a@b.example, username: u}\n",
        "password_env",
    ),
    (
        "bad env name",
        "email: {host: s.example, from: a@b.example, password_env: 'my password'}\n",
        "environment variable",
    ),
    ("unknown source kind", "      - tiktok: acme\n", "unknown source kind 'tiktok'"),
    ("bad mastodon handle", "      - mastodon: acme\n", "not a Mastodon handle"),
    ("bad youtube channel", "      - youtube: acme-channel\n", "not a YouTube channel id"),
    ("bad bluesky handle", "      - bluesky: 'not a handle'\n", "not a Bluesky handle"),
    ("bad reddit target", "      - reddit: acme\n", "not a Reddit target"),
    ("bad telegram channel", "      - telegram: 'a b'\n", "not a public Telegram channel"),
    ("feed that is not a URL", "      - feed: ftp://acme.example/f\n", "http:// or https://"),
    (
        "html fields without item",
        "      - html: {url: https://a.example, fields: {title: h2}}\n",
        "'fields' needs 'item'",
    ),
    ("html without url", "      - html: {item: article}\n", "html.url: is required"),
    ("instagram without token", "      - instagram: acme\n", "token_env: is required"),
    (
        "reddit with half the credentials",
        "      - reddit: {target: r/acme, client_id_env: RID}\n",
        "go together",
    ),
    (
        "two kinds in one source",
        "      - {feed: https://a.example/f, mastodon: '@a@b.example'}\n",
        "one 'kind: target' pair",
    ),
    ("same source twice", '      - mastodon: "@acme@mastodon.social"\n', "listed twice"),
    ("company without sources", "  - name: Globex\n    sources: []\n", "needs at least one entry"),
    (
        "duplicate company names",
        "  - name: ACME\n    sources: [feed: https://acme.example/f]\n",
        "same name: acme",
    ),
    (
        "duplicate key",
        "database: sqlite:///a.db\ndatabase: sqlite:///b.db\n",
        "database: the key appears twice",
    ),
    ("unsupported database", "database: mysql://x/y\n", "database: must be sqlite"),
    ("concurrency out of range", "collect: {concurrency: 0}\n", "collect.concurrency"),
    (
        "base_urls for an unknown kind",
        "collect: {base_urls: {myspace: https://m.example}}\n",
        "unknown source kind myspace",
    ),
]
BAD_FILES = BAD_WHOLE_FILES + [(name, GOOD + added, said) for name, added, said in BAD_ADDITIONS]


@pytest.mark.parametrize(
    ("text", "expected"), [(t, e) for _, t, e in BAD_FILES], ids=[n for n, _, _ in BAD_FILES]
)
def test_bad_file_gives_a_plain_message(text: str, expected: str) -> None:
    found = problems(text)
    assert any(expected in p for p in found), found


def test_problems_carry_the_yaml_line_and_the_value() -> None:
    found = problems(GOOD + "collect:\n  interval: 1x\n")
    assert found == [
        "bad.yaml:10: collect.interval: not a duration like 90s, 30m, 1h or 14d (got '1x')"
    ]


def test_numbers_choices_and_missing_settings_are_worded_plainly() -> None:
    found = problems(
        "organization: {name: Us, sources: [feed: https://us.example/f]}\n"
        "competitors: [{name: A, sources: [instagram: acme]}]\n"
        "collect: {concurrency: 0, respect_robots: maybe, max_retries: 1.5}\n"
        "report: {language: de}\n"
    )
    assert [p.split(": ", 1)[1] for p in found] == [
        "competitors.0.sources.0.instagram.token_env: is required: environment variable "
        "holding your own Instagram Graph API access token",
        "competitors.0.sources.0.instagram.ig_user_id: is required: your own Instagram "
        "business account id (digits)",
        "collect.concurrency: must be at least 1 (got 0)",
        "collect.max_retries: must be a whole number (got 1.5)",
        "collect.respect_robots: must be true or false (got 'maybe')",
        "report.language: must be one of 'en' or 'it' (got 'de')",
    ]


def test_every_problem_is_listed_at_once() -> None:
    found = problems(GOOD + "collect: {interval: 1x, timeout: soon}\nreport: {language: fr}\n")
    assert len(found) == 3


def test_unreadable_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(tmp_path / "missing.yaml")
    with pytest.raises(ConfigError, match="is a folder"):
        load_config(tmp_path)
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError, match="not a UTF-8 text file"):
        load_config(binary)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file whatever its mode")
def test_file_without_permission(tmp_path: Path) -> None:
    path = tmp_path / "secret.yaml"
    path.write_text(GOOD)
    path.chmod(0)
    with pytest.raises(ConfigError, match="permission denied"):
        load_config(path)


def test_missing_secret_is_reported_when_needed(monkeypatch: pytest.MonkeyPatch) -> None:
    config = parse_config(
        GOOD
        + "email: {host: s.example, from: a@b.example, username: u, password_env: MON_TEST_PW}\n"
    )
    monkeypatch.delenv("MON_TEST_PW", raising=False)
    assert missing_secrets(config) == [
        "email.password_env: the environment variable MON_TEST_PW is not set"
    ]
    with pytest.raises(ConfigError, match="MON_TEST_PW is not set"):
        read_secret("MON_TEST_PW", "email.password_env")
    monkeypatch.setenv("MON_TEST_PW", "s3cret")
    assert read_secret("MON_TEST_PW", "email.password_env") == "s3cret"
    assert missing_secrets(config) == []


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_validate_command_lists_problems_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD + "collect: {interval: 1x}\nreport: {timezone: Nowhere}\n")
    result = run_cli("validate", "-c", str(bad))
    assert result.returncode == 2
    assert "collect.interval: not a duration" in result.stderr
    assert "report.timezone: not a time zone" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_validate_command_accepts_the_example_via_environment() -> None:
    result = run_cli("validate", env={"MONITOR_CONFIG": "config/example.yaml"})
    assert result.returncode == 0, result.stderr
    assert "3 companies" in result.stdout


def test_config_schema_is_json_schema() -> None:
    result = run_cli("config-schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert "organization" in schema["properties"]
    assert "competitors" in schema["required"]
