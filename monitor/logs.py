"""Logging for the long-running job: plain lines or JSON, and never a secret."""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import TextIO

from pydantic import BaseModel
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from monitor.chat import secret_parts
from monitor.config import Config

MASK = "***"
# Shorter values would mask ordinary words; no real password or token is this short.
MIN_SECRET_LENGTH = 4
PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def secret_values(config: Config) -> list[str]:
    """The value of every `*_env` variable the configuration names, and the database password."""
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, BaseModel):
            for name, item in value:
                if name.endswith("_env") and isinstance(item, str) and os.environ.get(item):
                    found.append(os.environ[item])
                    if name == "url_env":  # a chat URL: its tokens, wherever they appear alone
                        found.extend(secret_parts(os.environ[item]))
                else:
                    walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(config)
    try:
        password = make_url(config.database).password
    except ArgumentError:
        password = None
    if password:
        found.append(str(password))
    return found


class SecretMask(logging.Filter):
    """Replaces every secret value in a record (message, arguments, traceback) with ***."""

    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = sorted({s for s in secrets if len(s) >= MIN_SECRET_LENGTH}, key=len)[::-1]

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.mask(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message (and the traceback, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="seconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["error"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(
    config: Config,
    log_format: str = "plain",
    stream: TextIO | None = None,
    level: int = logging.INFO,
) -> logging.Handler:
    """Send the program's logs to `stream` (stderr), secrets masked. Returns the handler."""
    if log_format not in ("plain", "json"):
        raise ValueError(f"log format must be 'plain' or 'json' (got {log_format!r})")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(PLAIN_FORMAT)
    )
    handler.addFilter(SecretMask(secret_values(config)))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "monitor_handler", False)]:
        root.removeHandler(old)
    handler.monitor_handler = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # Their INFO lines are one per request or per job run: too chatty for a service log.
    for noisy in ("apscheduler", "httpx", "httpcore", "aiosmtpd", "mail.log", "apprise", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return handler
