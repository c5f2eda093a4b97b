"""The weekly verdict in chat: the digest's subject, verdict and scoreboard, and a link to
the archived digest; posted once a week to each channel that asks for it.

Called by the weekly pipeline after the e-mail went (or failed): a chat channel that fails
never holds the e-mail back, and is recorded on the channel for `monitor status`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from monitor.chat import ChatResult, send_chat
from monitor.config import Config
from monitor.report.i18n import Formatter
from monitor.report.render import Digest
from monitor.report.text import score_blocks
from monitor.store import Store
from monitor.wording.alerts import WORDS

log = logging.getLogger("monitor.chat")


def weekly_text(digest: Digest, link: str) -> str:
    """The verdict, the scoreboard as the plain-text digest writes it, and the link."""
    fmt = Formatter(digest.language)
    parts = [digest.verdict] if digest.verdict else []
    if digest.parts is not None and digest.parts.score_rows:
        headers = digest.parts.score_headers
        parts.append(score_blocks(digest.parts.score_rows, headers, fmt._("(us)")))
    parts.append(WORDS[digest.language]["digest_link"].format(url=link))
    return "\n\n".join(parts) + "\n"


def digest_link(config: Config, html_path: Path) -> str:
    """The week's digest where the outbox is published (`chat.archive_url`), else its file."""
    base = config.chat.archive_url if config.chat else None
    if base:
        return f"{base.rstrip('/')}/{html_path.name}"
    return str(html_path)


def post_weekly(
    config: Config,
    store: Store,
    digest: Digest,
    html_path: Path,
    now: datetime,
    *,
    sleep: Callable[[float], object] = time.sleep,
) -> list[ChatResult]:
    """Post the week to every channel with `weekly` that has not had this week yet."""
    if config.chat is None:
        return []
    body = weekly_text(digest, digest_link(config, html_path))
    results = []
    for channel in config.chat.for_use("weekly"):
        if store.weekly_posted(channel.name, digest.week_label):
            continue
        result = send_chat(channel, config.chat, digest.subject, body, sleep=sleep)
        store.record_chat(channel.name, result.ok, now, result.error)
        if result.ok:
            store.mark_weekly_posted(channel.name, digest.week_label)
        log.log(logging.INFO if result.ok else logging.WARNING, "digest %s: %s",
                digest.week_label, result.describe())  # fmt: skip
        results.append(result)
    return results
