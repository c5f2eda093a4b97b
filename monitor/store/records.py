"""Plain records the store hands out: query rows and the state of sources and deliveries."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

ENGAGEMENT_COUNTERS = ("likes", "replies", "reposts", "quotes")  # engagement is their sum
COUNTERS = (*ENGAGEMENT_COUNTERS, "views")


@dataclass(frozen=True)
class Rows:
    """A query result as plain tuples: cheap to build a DataFrame from."""

    columns: tuple[str, ...]
    rows: list[tuple]


@dataclass(frozen=True)
class SourceRecord:
    id: int
    company: str
    is_self: bool
    kind: str
    target: str
    label: str | None
    active: bool
    remember: dict[str, Any]
    last_attempt_at: datetime | None
    last_ok_at: datetime | None
    last_error_kind: str | None
    last_error_message: str | None
    consecutive_failures: int
    unchanged_cycles: int
    stale_reason: str | None
    next_due_at: datetime | None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.target}"


@dataclass(frozen=True)
class HarvestResult:
    new_posts: int
    updated_counts: int


@dataclass(frozen=True)
class DeliveryRecord:
    week: str
    recipients: str
    status: str
    message_id: str | None
    path: str | None
    error: str | None
    refused: dict[str, str]
    attempts: int
    sent_at: datetime | None
    updated_at: datetime | None = None


def _source_record(row: Any) -> SourceRecord:
    return SourceRecord(
        id=row.id,
        company=row.company,
        is_self=row.is_self,
        kind=row.kind,
        target=row.target,
        label=row.label,
        active=row.active,
        remember=json.loads(row.remember or "{}"),
        last_attempt_at=row.last_attempt_at,
        last_ok_at=row.last_ok_at,
        last_error_kind=row.last_error_kind,
        last_error_message=row.last_error_message,
        consecutive_failures=row.consecutive_failures,
        unchanged_cycles=row.unchanged_cycles,
        stale_reason=row.stale_reason,
        next_due_at=row.next_due_at,
    )


def _delivery_record(row: Any) -> DeliveryRecord:
    return DeliveryRecord(
        week=row.week,
        recipients=row.recipients,
        status=row.status,
        message_id=row.message_id,
        path=row.path,
        error=row.error,
        refused=json.loads(row.refused or "{}"),
        attempts=row.attempts,
        sent_at=row.sent_at,
        updated_at=row.updated_at,
    )
