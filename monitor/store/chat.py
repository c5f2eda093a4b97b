"""Chat channels in the store: each one's health, and the last week whose verdict it got."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from monitor.store import schema as s


@dataclass(frozen=True)
class ChatRecord:
    name: str
    last_attempt_at: datetime | None
    last_ok_at: datetime | None
    last_error: str | None  # masked before it is stored
    consecutive_failures: int
    weekly_week: str | None  # the last week whose verdict was posted there


class ChatStore:
    engine: Engine

    def record_chat(self, name: str, ok: bool, at: datetime, error: str | None = None) -> None:
        """One message's outcome on a channel (after its retries)."""
        c = s.chat_channels.c
        values = (
            {"last_attempt_at": at, "last_ok_at": at, "last_error": None,
             "consecutive_failures": 0}
            if ok
            else {"last_attempt_at": at, "last_error": error,
                  "consecutive_failures": c.consecutive_failures + 1}
        )  # fmt: skip
        with self.engine.begin() as connection:
            _ensure(connection, name)
            connection.execute(update(s.chat_channels).where(c.name == name).values(**values))

    def weekly_posted(self, name: str, week: str) -> bool:
        query = select(s.chat_channels.c.weekly_week).where(s.chat_channels.c.name == name)
        with self.engine.connect() as connection:
            return connection.execute(query).scalar_one_or_none() == week

    def mark_weekly_posted(self, name: str, week: str) -> None:
        c = s.chat_channels.c
        with self.engine.begin() as connection:
            _ensure(connection, name)
            connection.execute(
                update(s.chat_channels).where(c.name == name).values(weekly_week=week)
            )

    def chat_channels(self) -> list[ChatRecord]:
        query = select(s.chat_channels).order_by(s.chat_channels.c.name)
        with self.engine.connect() as connection:
            return [_chat_record(row) for row in connection.execute(query)]


def _chat_record(row) -> ChatRecord:
    return ChatRecord(
        name=row.name,
        last_attempt_at=row.last_attempt_at,
        last_ok_at=row.last_ok_at,
        last_error=row.last_error,
        consecutive_failures=row.consecutive_failures,
        weekly_week=row.weekly_week,
    )


def _ensure(connection, name: str) -> None:
    try:
        with connection.begin_nested():
            connection.execute(insert(s.chat_channels).values(name=name, consecutive_failures=0))
    except IntegrityError:
        pass  # known already
