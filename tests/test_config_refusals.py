"""`monitor validate` refuses what would crash or run away later: one plain line, exit 2.

Each file here crashed, hung, grew without bound or was accepted wrongly before it was
refused here (alias bombs grew past 3 GB, `99999999999999w` raised OverflowError, deep
nesting raised RecursionError, `monkey 08:00` was read as Monday).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

US = 'organization: {name: Us, sources: [feed: "https://us.example/feed"]}\n'
ACME = 'competitors: [{name: Acme, sources: [feed: "https://acme.example/feed"]}]\n'
BASE = US + ACME


def alias_bomb() -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n" + BASE


CASES = [
    ("alias bomb", alias_bomb(), "expand to more than 100,000 values"),
    ("deep nesting", "a: " + "[" * 5000 + "]" * 5000 + "\n" + BASE, "nested more than 50 levels"),
    ("overflowing interval", BASE + "collect: {interval: 99999999999999w}\n", "collect.interval"),
    ("overflowing lookback", BASE + "collect: {lookback: 900000000d}\n", "collect.lookback"),
    ("cron never fires", BASE + "report: {schedule: '0 8 30 2 *'}\n", "never fires"),
    (
        "blank company name",
        'organization: {name: "  ", sources: [feed: "https://us.example/feed"]}\n' + ACME,
        "organization.name: must not be blank",
    ),
    ("attach what?", BASE + "report: {attach: [docx]}\n", "report.attach.0"),
    ("misspelt weekday", BASE + "report: {schedule: 'monkey 08:00'}\n", "'monkey' is not a day"),
    ("interval too short", BASE + "collect: {interval: 1ms}\n", "collect.interval: is too short"),
    (
        "source interval too short",
        US + 'competitors: [{name: Acme, sources: [{feed: {url: "https://acme.example/feed",'
        " interval: 0.5s}}]}]\n",
        "competitors.0.sources.0.feed.interval: is too short",
    ),
    (
        "non-breaking spaces",
        "organization:\n\u00a0\u00a0name: Us\n",
        "config.yaml:2: this line is indented with a non-breaking",
    ),
    (
        "a name longer than the store keeps",
        'organization: {name: "'
        + "U" * 201
        + '", sources: [feed: "https://us.example/f"]}\n'
        + ACME,
        "organization.name: is too long (at most 200 characters)",
    ),
    (
        "a label longer than the store keeps",
        US + 'competitors: [{name: Acme, sources: [{feed: {url: "https://acme.example/feed",'
        f' label: "{"L" * 201}"}}}}]}}]\n',
        "label: is too long (at most 200 characters)",
    ),
    (
        "the same feed twice, spelt differently",
        US + 'competitors: [{name: Acme, sources: [feed: "https://acme.example/feed"]},'
        ' {name: Globex, sources: [feed: "https://ACME.example:443/feed/"]}]\n',
        "is listed twice (Acme and Globex)",
    ),
    (
        "the same handle twice, in another case",
        'organization: {name: Us, sources: [mastodon: "@Acme@Social.example"]}\n'
        'competitors: [{name: Acme, sources: [mastodon: "@acme@social.example"]}]\n',
        "is listed twice (Us and Acme)",
    ),
    (
        "an address longer than the store keeps",
        US
        + f'competitors: [{{name: Acme, sources: [feed: "https://acme.example/{"f" * 500}"]}}]\n',
        "url is too long (521 characters; at most 500)",
    ),
    (
        "a CSS selector with a typo (it read as a page whose layout changed)",
        US + 'competitors: [{name: Acme, sources: [html: {url: "https://acme.example/news",'
        ' item: article, fields: {published: "time[datetime@datetime"}}]}]\n',
        "fields.published: 'time[datetime' is not a valid CSS selector (Malformed attribute",
    ),
    (
        "an item selector with a typo",
        US + 'competitors: [{name: Acme, sources: [html: {url: "https://acme.example/news",'
        ' item: "article..post"}]}]\n',
        "html: item: 'article..post' is not a valid CSS selector",
    ),
]


def _limit_memory() -> None:  # a bomb must be refused, not survived with 3 GB to spare
    resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))


@pytest.mark.parametrize(("text", "said"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_validate_refuses_with_one_line_naming_the_field(tmp_path: Path, text: str, said: str):
    (tmp_path / "config.yaml").write_text(text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "validate", "-c", "config.yaml"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "COLUMNS": "300"},
        timeout=120,
        preexec_fn=_limit_memory,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert said in result.stderr
    problems = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(problems) <= 2  # "Error: …" alone, or the header and the one problem
