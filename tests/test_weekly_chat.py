"""The weekly verdict in chat: once a week per channel, after the e-mail, never in its way."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alerts.alert_world import Hooks, start_smtp
from test_weekly import NOW, WEEK, config_text, fill

from monitor.config import parse_config
from monitor.health import assess
from monitor.store import Store
from monitor.sync import sync_sources
from monitor.weekly import run_week
from monitor.weekly_chat import weekly_text

TOKEN = "B0ARDsecretTOKEN"


@pytest.fixture
def smtp():
    controller, mailbox = start_smtp()
    yield mailbox
    controller.stop()


@pytest.fixture
def board(monkeypatch):
    hooks = Hooks()
    monkeypatch.setenv("CHAT_BOARD_URL", f"json://127.0.0.1:{hooks.port}/hooks/{TOKEN}")
    monkeypatch.setenv("CHAT_ALERTS_URL", f"json://127.0.0.1:{hooks.port}/alerts/{TOKEN}")
    yield hooks
    hooks.close()


def setup(tmp_path, sqlite_url, smtp_port, language="en"):
    sections = (
        f"email: {{host: 127.0.0.1, port: {smtp_port}, security: none, timeout: 5s,\n"
        '        max_attempts: 1, from: "Competitor Monitor <monitor@ourco.example>"}\n'
        "chat:\n  archive_url: https://intranet.ourco.example/digests/\n  channels:\n"
        "    - {name: board, url_env: CHAT_BOARD_URL, send: [weekly]}\n"
        "    - {name: alerts only, url_env: CHAT_ALERTS_URL}\n"
    )
    config = parse_config(
        config_text(tmp_path / "reports", language=language, email_section=sections)
    )
    store = Store(sqlite_url)
    sync_sources(config, store)
    fill(store)
    return config, store


def send(store, config, at):
    return run_week(store, config, WEEK, at, send=True, force=True, sleep=lambda _s: None)


def test_the_week_goes_to_chat_once_with_its_verdict_scoreboard_and_link(
    tmp_path, sqlite_url, smtp, board
):
    config, store = setup(tmp_path, sqlite_url, smtp.port)
    with store:
        made = send(store, config, NOW)
        assert made.delivery is not None and made.delivery.status == "sent"
        assert [(c.channel, c.ok) for c in made.chat] == [("board", True)]
        (posted,) = board.received  # the alerts-only channel gets nothing weekly
        assert posted.path == f"/hooks/{TOKEN}"
        payload = posted.json()
        assert payload["title"] == made.digest.subject
        message = payload["message"]
        assert message.startswith(made.digest.verdict)
        assert "Our Company (us)" in message and "Acme" in message and "Globex" in message
        assert message.endswith(
            "The whole digest: https://intranet.ourco.example/digests/2025-W47.html"
        )
        # Made and sent again (a rerun, a restart): not posted twice.
        again = run_week(store, config, WEEK, NOW + timedelta(hours=1), send=True)
        assert again.delivery is not None and again.delivery.status == "skipped"
        assert again.chat == () and len(board.received) == 1


def test_a_failing_chat_channel_never_holds_the_e_mail_back(tmp_path, sqlite_url, smtp, board):
    board.status = 502
    config, store = setup(tmp_path, sqlite_url, smtp.port)
    with store:
        made = send(store, config, NOW)
        assert made.delivery is not None and made.delivery.status == "sent"
        assert len(smtp.received) == 1
        (failed,) = made.chat
        assert (failed.ok, failed.attempts) == (False, 3) and TOKEN not in (failed.error or "")
        health = assess(store, NOW, chat_channels=["board", "alerts only"])
        assert [c["state"] for c in health.chat] == ["failing", "not used yet"]
        assert "chat board: the last 1 message failed" in " ".join(health.problems)
        # The channel answers again: the week is posted on the next `report --send`, and
        # the e-mail is not sent twice.
        board.status = 200
        retried = run_week(store, config, WEEK, NOW + timedelta(hours=1), send=True)
        assert retried.delivery is not None and retried.delivery.status == "skipped"
        assert [c.ok for c in retried.chat] == [True]
        assert len(smtp.received) == 1
        assert assess(store, NOW, chat_channels=["board"]).chat[0]["state"] == "ok"


def test_the_weekly_message_is_in_the_reports_language(tmp_path, sqlite_url, smtp, board):
    config, store = setup(tmp_path, sqlite_url, smtp.port, language="it")
    with store:
        made = send(store, config, NOW)
        text = weekly_text(made.digest, "https://intranet.ourco.example/digests/2025-W47.html")
        assert "Our Company (noi)" in text
        assert text.rstrip().endswith("Il riepilogo completo: https://intranet.ourco.example/"
                                      "digests/2025-W47.html")  # fmt: skip
        assert board.received[0].json()["message"] == text.strip()
