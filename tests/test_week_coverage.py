"""Data health that tells the truth, and weeks held, refused or marked partial (issue 14.1),
through the command line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from monitor.config import load_config
from monitor.domain import Counts, Harvest, Post
from monitor.metrics import IsoWeek
from monitor.store import Store
from monitor.sync import sync_sources

WEEK_START = datetime(2026, 11, 16, tzinfo=UTC)  # Monday of 2026-W47 (UTC report)


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "250"}
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=120,
    )  # fmt: skip


class Inbox:
    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def inbox():
    handler = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        handler.port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    yield handler
    controller.stop()


def write_project(tmp_path: Path, smtp_port: int | None = None) -> Path:
    email = (
        f"email: {{host: 127.0.0.1, port: {smtp_port}, security: none, timeout: 5s,"
        " from: monitor@us.example, operator: ops@us.example}\n"
        if smtp_port
        else ""
    )
    (tmp_path / "monitor.yaml").write_text(
        textwrap.dedent(f"""\
        organization: {{name: Us, sources: [feed: 'https://us.example/feed']}}
        competitors:
          - {{name: Acme, sources: [feed: 'https://acme.example/feed']}}
          - {{name: Globex, sources: [feed: 'https://globex.example/feed']}}
          - {{name: Initech, sources: [feed: 'https://initech.example/feed']}}
        collect: {{interval: 1d}}
        report: {{outbox: out, recipients: [ceo@us.example]}}
        database: sqlite:///{tmp_path / "monitor.db"}
    """)
        + email
    )
    return tmp_path / "monitor.yaml"


def read(store: Store, source_id: int, at: datetime, posts: int = 0) -> None:
    harvest = Harvest(
        observed_at=at,
        posts=tuple(
            Post(f"{source_id}-{at:%j%H}-{n}", at - timedelta(hours=1), text="news",
                 counts=Counts(likes=5))
            for n in range(posts)
        ),
    )  # fmt: skip
    store.save_harvest(source_id, harvest, track_engagement_for=timedelta(days=14), next_due_at=at)


def fail(store: Store, source_id: int, at: datetime, kind: str = "rate_limited") -> None:
    store.record_failure(source_id, kind, "429 Too Many Requests", at=at, next_due_at=at)


def history(config_path: Path, *, us_read: bool = True) -> dict[str, int]:
    """Us read daily (if `us_read`), Acme failing 3 times of 7, Globex read the week before
    only, Initech never read at all."""
    config = load_config(config_path)
    with Store(config.database) as store:
        sync_sources(config, store)
        ids = {r.company: r.id for r in store.sources()}
        read(store, ids["Globex"], WEEK_START - timedelta(days=3), posts=2)
        fail(store, ids["Initech"], WEEK_START - timedelta(days=3))
        for day in range(7):
            at = WEEK_START + timedelta(days=day, hours=12)
            if us_read:
                read(store, ids["Us"], at, posts=1)
            if day < 3:
                fail(store, ids["Acme"], at)
            else:
                read(store, ids["Acme"], at, posts=2)
            fail(store, ids["Initech"], at)
    return ids


def test_data_health_says_what_was_not_read_instead_of_all_is_well(tmp_path: Path) -> None:
    config = write_project(tmp_path)
    history(config)
    result = run("report", "-c", str(config), "--week", "2026-W47", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "out" / "2026-W47.txt").read_text()
    health = text.split("DATA HEALTH")[1].split("HOW WE COUNT")[0]
    assert "Globex on Website feed: not collected this week; its figures are missing." in health
    assert "Initech on Website feed: never read since tracking began" in health
    assert "rate limited" in health and "failed during the week" not in health
    assert (
        "Acme on Website feed: the platform asked us to slow down (rate limited) 3 times "
        "(read 4 of 7 scheduled times)" in health.replace("\n  ", " ")
    )
    assert "All is well" not in text


def test_a_week_nobody_read_is_held_and_the_operator_told(tmp_path: Path, inbox: Inbox) -> None:
    config = write_project(tmp_path, smtp_port=inbox.port)
    history(config, us_read=False)
    held = run("report", "-c", str(config), "--week", "2026-W47", "--send", cwd=tmp_path)
    assert held.returncode == 1, held.stderr
    assert "held, not sent" in held.stdout and "our own organisation" in held.stdout
    assert [to for to, _ in inbox.received] == [["ops@us.example"]]  # the operator only
    note = message_from_bytes(inbox.received[0][1], policy=policy.default)
    assert "held" in note["Subject"] and "--force --week 2026-W47" in note.get_content()
    again = run("report", "-c", str(config), "--week", "2026-W47", "--send", cwd=tmp_path)
    assert again.returncode == 1 and len(inbox.received) == 1  # the operator is told once
    status = run("status", "-c", str(config), cwd=tmp_path)
    assert "held" in status.stdout and "our own organisation" in status.stdout

    forced = run("report", "-c", str(config), "--week", "2026-W47", "--send", "--force",
                 cwd=tmp_path)  # fmt: skip
    assert forced.returncode == 0, forced.stdout + forced.stderr
    [(to, sent)] = inbox.received[1:]
    assert to == ["ceo@us.example"]
    body = message_from_bytes(sent, policy=policy.default).get_body(("plain",)).get_content()
    top = body.split("WHAT MATTERS THIS WEEK")[0]
    assert "Our own accounts were not read this week" in top
    assert "Only 1 of 4 sources were read this week" in top


def test_the_current_week_is_refused_marked_partial_and_never_recorded(
    tmp_path: Path, inbox: Inbox
) -> None:
    config = write_project(tmp_path, smtp_port=inbox.port)
    history(config)
    current = IsoWeek.containing(datetime.now(UTC), "UTC").label
    future = IsoWeek.containing(datetime.now(UTC) + timedelta(weeks=3), "UTC").label
    refused = run("report", "-c", str(config), "--week", current, "--send", cwd=tmp_path)
    assert refused.returncode == 2 and "is not over yet" in refused.stderr
    assert "Traceback" not in refused.stderr and inbox.received == []
    shown = run("report", "-c", str(config), "--week", current, cwd=tmp_path)
    assert shown.returncode == 0
    assert "Partial week" in (tmp_path / "out" / f"{current}.txt").read_text()
    not_begun = run("report", "-c", str(config), "--week", future, "--send", "--force",
                    cwd=tmp_path)  # fmt: skip
    assert not_begun.returncode == 2 and "has not begun" in not_begun.stderr
    forced = run("report", "-c", str(config), "--week", current, "--send", "--force",
                 cwd=tmp_path)  # fmt: skip
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert "as a partial week" in forced.stdout
    assert len(inbox.received) == 1
    with Store(load_config(config).database) as store:
        assert store.delivery(current, "ceo@us.example") is None  # the full week still goes
