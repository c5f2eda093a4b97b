"""Chat delivery through Apprise URLs (Slack, Teams, Mattermost, Discord, Telegram, ntfy, a
JSON webhook …): one message to one channel, retried, its secrets masked in every word said.

A channel's URL lives in the environment (`url_env`): its tokens are secrets. Whatever is
said about a channel (errors, logs, `monitor status`) goes through `mask`, which hides the
parts of the URL that may be tokens: the user and password, a host without a dot (Slack,
Discord and Telegram put a token there), every path segment and query value.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity import wait_exponential as wait_growing

from monitor.config import Config, read_secret
from monitor.config_chat import ChatChannel, ChatSettings
from monitor.errors import ConfigError, DeliveryError

log = logging.getLogger("monitor.chat")

MASK = "***"
SENDER_NAME = "Competitor Monitor"  # where a service shows who posted (Mattermost, Slack)
# Parts of a URL shorter than this are words ("hooks", "api"), not tokens.
MIN_TOKEN_CHARS = 6


class ChatFailure(DeliveryError):
    """One attempt failed; `temporary` ones are tried again."""

    def __init__(self, message: str, *, temporary: bool = True):
        self.temporary = temporary
        super().__init__(message)


@dataclass(frozen=True)
class ChatResult:
    channel: str
    ok: bool
    attempts: int
    error: str | None = None  # masked

    def describe(self) -> str:
        if self.ok:
            return f"chat {self.channel}: sent"
        tries = f" after {self.attempts} attempts" if self.attempts > 1 else ""
        return f"chat {self.channel}: not sent{tries}: {self.error}"


@cache
def _apprise() -> tuple[Any, Any]:
    """Apprise and the monitor's asset, loaded at the first use (it takes a fifth of a second,
    which a command that never posts to chat should not pay)."""
    import apprise

    return apprise, apprise.AppriseAsset(app_id=SENDER_NAME, app_desc=SENDER_NAME)


def _plugin(url: str) -> Any:
    """The Apprise plugin for a URL, or None when Apprise knows no such URL."""
    apprise, asset = _apprise()
    return apprise.Apprise.instantiate(url, asset=asset)


def secret_parts(url: str) -> list[str]:
    """The parts of an Apprise URL that may be tokens, longest first (the URL itself too)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return [url]
    userinfo, _at, host = parts.netloc.rpartition("@")
    found = [url.strip(), *userinfo.split(":")]
    # A host with a dot is a server's name; without one it may be a token (slack://TOKEN/…,
    # tgram://BOT:TOKEN/…), as may be what follows its colon.
    found += [piece for piece in host.split(":") if "." not in piece]
    found += parts.path.split("/")
    found += [value for _key, value in parse_qsl(parts.query)]
    tokens = {part for part in found if len(part) >= MIN_TOKEN_CHARS}
    return sorted(tokens, key=len, reverse=True)


def mask(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text


def masked_url(url: str) -> str:
    """The URL as it may be shown: `json://127.0.0.1:8080/hooks/***`."""
    secrets = [part for part in secret_parts(url) if part != url.strip()]
    return mask(url.strip(), secrets)


def channel_url(channel: ChatChannel) -> str:
    """The channel's URL from its variable; ConfigError when unset or not a URL Apprise knows."""
    url = read_secret(channel.url_env, f"chat channel {channel.name}: url_env")
    if _plugin(url) is None:
        scheme = url.partition("://")[0] or url[:10]
        raise ConfigError(
            f"chat channel {channel.name}: the URL in {channel.url_env} is not one Apprise "
            f"knows (it starts {mask(scheme, secret_parts(url))}://); see "
            "https://github.com/caronc/apprise/wiki for the forms of each service"
        )
    return url


def where(channel: ChatChannel) -> str:
    """Where a channel posts, as it may be shown (`slack://***/***/***/`), or why it cannot."""
    try:
        return masked_url(channel_url(channel))
    except ConfigError as error:
        return str(error)


def chat_addresses(config: Config) -> dict[str, str]:
    """Every configured channel's name -> where it posts (masked), for status and validate."""
    return {c.name: where(c) for c in config.chat.channels} if config.chat else {}


def send_chat(
    channel: ChatChannel,
    settings: ChatSettings,
    title: str,
    body: str,
    *,
    sleep: Callable[[float], object] = time.sleep,
) -> ChatResult:
    """Post `title` and `body` to one channel, retrying failures with growing pauses.
    Never raises: what went wrong is in the result, masked."""
    try:
        url = channel_url(channel)
    except ConfigError as error:
        return ChatResult(channel.name, False, 0, str(error))
    secrets = secret_parts(url)
    attempts = 0

    def attempt() -> None:
        nonlocal attempts
        attempts += 1
        _post(url, title, body, settings.timeout.total_seconds(), secrets)

    retrying = Retrying(
        stop=stop_after_attempt(settings.max_attempts),
        wait=wait_growing(multiplier=2, max=60),
        retry=retry_if_exception(lambda e: isinstance(e, ChatFailure) and e.temporary),
        before_sleep=lambda state: _log_retry(channel, state),
        sleep=sleep,
        reraise=True,
    )
    try:
        retrying(attempt)
    except ChatFailure as error:
        return ChatResult(channel.name, False, attempts, str(error))
    return ChatResult(channel.name, True, attempts)


def _post(url: str, title: str, body: str, timeout_s: float, secrets: list[str]) -> None:
    plugin = _plugin(url)
    if plugin is None:
        raise ChatFailure("the URL is not one Apprise knows", temporary=False)
    plugin.socket_connect_timeout = plugin.socket_read_timeout = timeout_s
    apprise, asset = _apprise()
    sender = apprise.Apprise(asset=asset)
    sender.add(plugin)
    result = sender.notify(body=body, title=title, body_format=apprise.NotifyFormat.TEXT)
    if not result:
        said = [entry.message for entry in result.logs() if entry.level in ("WARNING", "ERROR")]
        reason = "; ".join(dict.fromkeys(said)) or "the service did not accept the message"
        raise ChatFailure(mask(reason, secrets))


def _log_retry(channel: ChatChannel, state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0
    log.warning(
        "chat %s: attempt %d failed (%s); trying again in %.0f s",
        channel.name, state.attempt_number, error, wait,
    )  # fmt: skip
