"""Telling one alert: by e-mail (the digest's SMTP settings) and, where set up, in chat."""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from monitor.chat import send_chat
from monitor.config import Config
from monitor.deliver import send_copy
from monitor.errors import ConfigError, DeliveryError
from monitor.store import Store
from monitor.store.alerts import AlertRecord


@dataclass(frozen=True)
class Sent:
    """Where an alert went (`channels`), and what failed on the way (`errors`)."""

    channels: tuple[str, ...]
    errors: tuple[str, ...]

    @property
    def status(self) -> str:
        if self.channels:
            return "sent"
        return "failed" if self.errors else "unsent"


def alert_recipients(config: Config) -> list[str]:
    settings = config.alerts
    if settings is None or not settings.email or config.email is None:
        return []
    chosen = settings.recipients if settings.recipients is not None else config.report.recipients
    return list(chosen)


def alert_chats(config: Config) -> list[str]:
    """The names of the chat channels that get alerts."""
    if config.chat is None:
        return []
    return [channel.name for channel in config.chat.for_use("alerts")]


def send_alert(
    alert: AlertRecord,
    config: Config,
    store: Store,
    now: datetime,
    *,
    sleep: Callable[[float], object] = time.sleep,
    ssl_context: ssl.SSLContext | None = None,
) -> Sent:
    """Send by every channel set up for alerts, the e-mail first; one failing stops no other,
    and a chat channel's retries come after the e-mail has gone."""
    channels: list[str] = []
    errors: list[str] = []
    recipients = alert_recipients(config)
    if recipients:
        try:
            send_copy(_message(alert), to=recipients, settings=config.email, now=now,
                      status="alert", sleep=sleep, ssl_context=ssl_context)  # fmt: skip
        except (DeliveryError, ConfigError) as error:
            errors.append(f"e-mail: {error}")
        else:
            channels.append("e-mail")
    for channel in config.chat.for_use("alerts") if config.chat else []:
        result = send_chat(channel, config.chat, alert.subject, alert.body, sleep=sleep)
        store.record_chat(channel.name, result.ok, now, result.error)
        if result.ok:
            channels.append(f"chat {channel.name}")
        else:
            errors.append(result.describe())
    return Sent(tuple(channels), tuple(errors))


def _message(alert: AlertRecord) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = alert.subject
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(alert.body)
    return message
