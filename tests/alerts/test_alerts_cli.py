"""`monitor collect` checks for alerts; `validate` and `status` show the settings and alerts."""

from __future__ import annotations

import json
from datetime import time, timedelta

import pytest
from alert_world import Hooks, acme_breaks_out, serve, start_smtp, steady_world, world_config_text
from typer.testing import CliRunner

from monitor.alerts.policy import quiet_until
from monitor.cli import app
from monitor.clock import utc_now

ALERTS = 'alerts:\n  source_down: {after_failures: 2}\n  quiet_hours: "03:00-03:01"\n'


@pytest.fixture
def setup(tmp_path):
    now = utc_now()
    world = steady_world(now)
    acme_breaks_out(world, now)
    server, port = serve(world)
    controller, mailbox = start_smtp()
    config = tmp_path / "monitor.yaml"
    config.write_text(world_config_text(tmp_path, port, mailbox.port, ALERTS))
    yield config, mailbox
    controller.stop()
    server.shutdown()


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def test_collect_tells_the_alert_it_found_and_status_lists_it(setup):
    config, mailbox = setup
    for moment in (utc_now(), utc_now() + timedelta(minutes=1)):
        if quiet_until(moment, (time(3, 0), time(3, 1)), "Europe/Rome"):
            pytest.skip("run inside this test's one quiet minute")
    collected = invoke("collect", "-c", str(config))
    assert collected.exit_code == 1  # Initech's feed failed
    assert "Alert sent: Acme's post is taking off: 20× its usual engagement" in collected.stdout
    assert mailbox.subjects == ["Acme's post is taking off: 20× its usual engagement"]

    status = invoke("status", "-c", str(config))
    assert "Alerts (newest first)" in status.stdout
    assert "Acme's post is taking off" in status.stdout
    assert "Alerts: on for a competitor's post breaking out" in status.stdout
    assert "quiet 03:00-03:01 (Europe/Rome)" in " ".join(status.stdout.split())
    as_json = json.loads(invoke("status", "--json", "-c", str(config)).stdout)
    assert [(a["kind"], a["status"]) for a in as_json["alerts"]] == [
        ("competitor_breakout", "sent")
    ]
    assert as_json["alerts"][0]["sent_to"] == "e-mail"


def test_validate_says_where_alerts_go_and_notes_when_nowhere(setup, tmp_path):
    config, _mailbox = setup
    said = " ".join(invoke("validate", "-c", str(config)).stdout.split())
    assert "Alerts go by e-mail to ceo@ourco.example." in said
    text = config.read_text()
    start = text.index("email:")
    alone = tmp_path / "no-email.yaml"
    alone.write_text(text[:start] + text[text.index("database:") :])
    said = " ".join(invoke("validate", "-c", str(alone)).stdout.split())
    assert "Note: Alerts have nowhere to go" in said
    off = tmp_path / "off.yaml"
    off.write_text(text.replace(ALERTS, "alerts: {enabled: false}\n"))
    assert "Alerts: off (alerts.enabled is false)." in invoke("validate", "-c", str(off)).stdout


def test_status_shows_a_failing_chat_channel_masked(setup, monkeypatch):
    config, mailbox = setup
    hooks = Hooks(status=500)
    token = "T0K3NsecretXYZ"
    monkeypatch.setenv("CHAT_OPS_URL", f"json://127.0.0.1:{hooks.port}/hooks/{token}")
    chat = "chat:\n  max_attempts: 1\n  channels: [{name: ops, url_env: CHAT_OPS_URL}]\n"
    config.write_text(config.read_text() + chat)
    try:
        collected = invoke("collect", "-c", str(config))
    finally:
        hooks.close()
    said = " ".join(collected.stdout.split())
    assert "(to e-mail; chat ops: not sent: Failed to send JSON POST notification" in said
    assert token not in collected.stdout
    assert len(mailbox.received) == 1  # the e-mail went all the same
    status = invoke("status", "-c", str(config))
    said = " ".join(status.stdout.split())
    assert status.exit_code == 1 and token not in status.stdout
    table = status.stdout[status.stdout.index("Chat channels") :]
    assert "ops" in table and "***" in table and "failing" in table
    assert "1 chat channel failing" in said
    validated = " ".join(invoke("validate", "-c", str(config)).stdout.split())
    assert "Chat ops: gets alerts; posts to json://127.0.0.1:" in validated
    assert token not in validated
