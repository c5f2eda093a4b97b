"""Alerts in chat beside the e-mail: a failing chat channel is retried and reported, and the
e-mail still goes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from alert_world import ALERTS, T0, Hooks, acme_breaks_out, world_config
from test_alerts_world import cycle

from monitor.health import assess
from monitor.store import Store

TOKEN = "T0K3NsecretXYZ"
CHAT = "chat:\n  channels: [{name: marketing, url_env: CHAT_MARKETING_URL}]\n"


@pytest.fixture
def hooks(monkeypatch):
    server = Hooks()
    monkeypatch.setenv("CHAT_MARKETING_URL", f"json://127.0.0.1:{server.port}/hooks/{TOKEN}")
    yield server
    server.close()


def test_an_alert_goes_to_chat_and_by_e_mail(tmp_path, world, smtp, hooks):
    config = world_config(tmp_path, world.port, smtp.port, ALERTS + CHAT)
    acme_breaks_out(world, T0)
    (told,) = cycle(config, T0).told
    assert (told.status, told.note) == ("sent", "to e-mail, chat marketing")
    assert len(smtp.received) == 1
    (posted,) = hooks.received
    payload = posted.json()
    assert payload["title"] == "Acme's post is taking off: 20× its usual engagement"
    assert "has 240 engagement after 5 hours" in payload["message"]
    assert "Link: https://acme.example/news/rocket-skates/" in payload["message"]
    cycle(config, T0 + timedelta(hours=1))  # a restart: not posted again
    assert [r.json()["title"] for r in hooks.received].count(payload["title"]) == 1


def test_a_failing_chat_channel_is_retried_reported_and_the_e_mail_still_goes(
    tmp_path, world, smtp, hooks
):
    hooks.status = 500
    config = world_config(tmp_path, world.port, smtp.port, ALERTS + CHAT)
    acme_breaks_out(world, T0)
    (told,) = cycle(config, T0).told
    assert told.status == "sent"  # by e-mail
    assert smtp.subjects == ["Acme's post is taking off: 20× its usual engagement"]
    assert len(hooks.received) == 3  # chat.max_attempts
    assert "chat marketing: not sent after 3 attempts" in told.note
    with Store(config.database) as store:
        (alert,) = store.recent_alerts()
        assert alert.channels == "e-mail" and "chat marketing: not sent" in (alert.error or "")
        health = assess(store, T0, chat_channels=["marketing"])
    assert not health.healthy
    assert "1 chat channel failing" in health.summary()
    (channel,) = health.chat
    assert (channel["name"], channel["state"], channel["consecutive_failures"]) == (
        "marketing",
        "failing",
        1,
    )
    assert TOKEN not in json.dumps(health.as_json())
    # It answers again: the next alert goes there, and the channel is well again.
    hooks.status = 200
    later = T0 + timedelta(hours=30)
    acme_breaks_out(world, later, slug="giant-magnet")
    cycle(config, later)
    with Store(config.database) as store:
        assert assess(store, later, chat_channels=["marketing"]).chat[0]["state"] == "ok"


def test_alerts_can_go_to_chat_only(tmp_path, world, smtp, hooks):
    config = world_config(tmp_path, world.port, smtp.port, ALERTS + "  email: false\n" + CHAT)
    acme_breaks_out(world, T0)
    (told,) = cycle(config, T0).told
    assert (told.status, told.note) == ("sent", "to chat marketing")
    assert smtp.received == [] and len(hooks.received) == 1
