"""Chat through Apprise URLs, against webhook servers on loopback: the generic JSON webhook,
Slack's webhook format, Mattermost's (Slack-compatible, on a host of our own); a failing
channel retried and reported; the URL's tokens masked in errors and logs.

Apprise's Slack plugin always posts to https://hooks.slack.com/services/…: its URL has no
host of its own. The Slack test points that class attribute at the loopback server, so the
plugin's own code builds and sends the request; Mattermost's plugin takes a host in its URL.
"""

from __future__ import annotations

import io
import logging

import pytest
from alert_world import Hooks
from apprise.plugins.slack import NotifySlack

from monitor.chat import channel_url, masked_url, secret_parts, send_chat
from monitor.config import parse_config
from monitor.config_chat import ChatChannel, ChatSettings
from monitor.logs import setup_logging

TOKEN = "T0K3NsecretXYZ"


@pytest.fixture
def hooks():
    server = Hooks()
    yield server
    server.close()


def channel(monkeypatch, url: str, name: str = "marketing") -> ChatChannel:
    variable = f"CHAT_{name.upper()}_URL"
    monkeypatch.setenv(variable, url)
    return ChatChannel(name=name, url_env=variable, send=["alerts", "weekly"])


def settings(*channels: ChatChannel, attempts: int = 3) -> ChatSettings:
    return ChatSettings(channels=list(channels), max_attempts=attempts)


def test_a_json_webhook_gets_the_title_and_the_text(hooks, monkeypatch):
    marketing = channel(monkeypatch, f"json://127.0.0.1:{hooks.port}/hooks/{TOKEN}")
    result = send_chat(marketing, settings(marketing), "Acme's post is taking off", "240 …\n")
    assert (result.ok, result.attempts, result.error) == (True, 1, None)
    (got,) = hooks.received
    assert got.path == f"/hooks/{TOKEN}"
    assert got.content_type == "application/json"
    payload = got.json()
    assert payload["title"] == "Acme's post is taking off"
    assert payload["message"] == "240 …"  # Apprise trims the ends
    assert payload["type"] == "info"


def test_a_slack_webhook_gets_slacks_own_format(hooks, monkeypatch):
    monkeypatch.setattr(NotifySlack, "webhook_url", f"http://127.0.0.1:{hooks.port}/services")
    slack = channel(monkeypatch, f"slack://T0AAAAAAA/B0BBBBBBB/{TOKEN}")
    result = send_chat(slack, settings(slack), "Globex is posting 13× as often as usual", "Globex…")
    assert result.ok
    (got,) = hooks.received
    assert got.path == f"/services/T0AAAAAAA/B0BBBBBBB/{TOKEN}"
    (attachment,) = got.json()["attachments"]
    assert attachment["title"] == "Globex is posting 13× as often as usual"
    assert attachment["text"] == "Globex…"


def test_a_mattermost_webhook_on_our_own_server(hooks, monkeypatch):
    mattermost = channel(monkeypatch, f"mmost://127.0.0.1:{hooks.port}/{TOKEN}")
    assert send_chat(mattermost, settings(mattermost), "Title", "Body").ok
    (got,) = hooks.received
    assert got.path == f"/hooks/{TOKEN}"
    payload = got.json()
    assert payload["text"].splitlines() == ["Title", "Body"]
    assert payload["username"] == "Competitor Monitor"


def test_an_ntfy_topic_on_our_own_server(hooks, monkeypatch):
    ntfy = channel(monkeypatch, f"ntfy://127.0.0.1:{hooks.port}/competitors-watch")
    assert send_chat(ntfy, settings(ntfy), "Title", "Body").ok
    (got,) = hooks.received
    assert got.json() == {"topic": "competitors-watch", "title": "Title", "message": "Body"}


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.slack.com/services/T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7",
        "https://prod-01.westus.logic.azure.com:443/workflows/abcdef0123456789/triggers/manual"
        "/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=SIGabcdef",
        "discord://123456789012/abcdefTOKENxyz",
        "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/-100123456",
        "mmosts://chat.ourco.example/tokentokentoken",
        "ntfys://ntfy.sh/competitors-watch",
        "jsons://hooks.ourco.example/path",
    ],
)
def test_each_services_url_form_in_the_readme_is_one_apprise_knows(monkeypatch, url):
    assert channel_url(channel(monkeypatch, url)) == url  # nothing is sent


def test_a_failing_channel_is_retried_then_reported_without_its_token(hooks, monkeypatch):
    hooks.status = 500
    failing = channel(monkeypatch, f"json://127.0.0.1:{hooks.port}/hooks/{TOKEN}")
    pauses: list[float] = []
    result = send_chat(failing, settings(failing, attempts=3), "T", "B", sleep=pauses.append)
    assert not result.ok and result.attempts == 3
    assert len(hooks.received) == 3
    assert pauses == [2, 4]  # growing pauses between the attempts
    assert "500" in (result.error or "") and TOKEN not in (result.error or "")
    assert result.describe().startswith("chat marketing: not sent after 3 attempts: ")


def test_a_channel_nobody_answers_is_a_plain_failure(monkeypatch):
    nowhere = channel(monkeypatch, f"json://127.0.0.1:9/hooks/{TOKEN}")
    result = send_chat(nowhere, settings(nowhere, attempts=2), "T", "B", sleep=lambda _s: None)
    assert (result.ok, result.attempts) == (False, 2)
    assert "Connection error" in (result.error or "")


def test_an_unset_variable_or_an_unknown_url_is_said_plainly(monkeypatch):
    unset = ChatChannel(name="sales", url_env="CHAT_NOT_SET_URL")
    monkeypatch.delenv("CHAT_NOT_SET_URL", raising=False)
    result = send_chat(unset, settings(unset), "T", "B")
    assert result.error == (
        "chat channel sales: url_env: the environment variable CHAT_NOT_SET_URL is not set"
    )
    unknown = channel(monkeypatch, f"slak://{TOKEN}/x")
    error = send_chat(unknown, settings(unknown), "T", "B").error or ""
    assert "is not one Apprise knows (it starts slak://)" in error and TOKEN not in error


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (f"json://127.0.0.1:8080/hooks/{TOKEN}?key=another-secret", "json://127.0.0.1:8080/hooks/***?key=***"),
        ("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7/#general", "slack://***/***/***/#general"),
        ("tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/-100123456", "tgram://***:***/***"),
        ("ntfy://ntfy.sh/competitors-watch", "ntfy://ntfy.sh/***"),
        ("discord://123456789012/abcdefTOKEN", "discord://***/***"),
        ("mmosts://bot:password123@chat.ourco.example/tokentokentoken", "mmosts://bot:***@chat.ourco.example/***"),
    ],
)  # fmt: skip
def test_what_is_shown_of_a_url_hides_its_tokens(url, shown):
    assert masked_url(url) == shown


def test_the_log_never_shows_a_token_even_at_debug_level(hooks, monkeypatch):
    hooks.status = 503
    url = f"json://127.0.0.1:{hooks.port}/hooks/{TOKEN}"
    monkeypatch.setenv("CHAT_OPS_URL", url)
    config = parse_config(
        "organization: {name: Us, sources: [feed: https://us.example/feed.xml]}\n"
        "competitors: [{name: Acme, sources: [feed: https://acme.example/feed.xml]}]\n"
        "chat: {channels: [{name: ops, url_env: CHAT_OPS_URL}]}\n"
    )
    stream = io.StringIO()
    root = logging.getLogger()
    before = (root.level, list(root.handlers))
    handler = setup_logging(config, stream=stream, level=logging.DEBUG)
    for name in ("apprise", "urllib3"):  # let their debug lines through for this test
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        assert config.chat is not None
        ops = config.chat.channels[0]
        send_chat(ops, settings(ops, attempts=2), "T", "B", sleep=lambda _s: None)
    finally:
        root.removeHandler(handler)
        root.setLevel(before[0])
        for name in ("apprise", "urllib3"):
            logging.getLogger(name).setLevel(logging.NOTSET)
    logged = stream.getvalue()
    assert "/hooks/***" in logged  # apprise's and urllib3's debug lines were there, masked
    assert TOKEN not in logged
    assert TOKEN in secret_parts(url)
