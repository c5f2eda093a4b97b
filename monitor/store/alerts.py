"""Alerts in the store: each told once, whatever restarts or second looks happen between."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from monitor.store import schema as s


@dataclass(frozen=True)
class AlertRecord:
    id: int
    key: str
    kind: str
    company: str
    status: str
    subject: str
    body: str
    url: str | None
    numbers: dict[str, Any]
    detected_at: datetime
    updated_at: datetime
    sent_at: datetime | None
    channels: str | None
    error: str | None


def alert_key(identity: str) -> str:
    """The stored identity of an alert: a hash, so any identity fits the unique index."""
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()


class AlertStore:
    engine: Engine

    def add_alert(
        self,
        *,
        identity: str,
        kind: str,
        company: str,
        subject: str,
        body: str,
        url: str | None,
        numbers: dict[str, Any],
        now: datetime,
    ) -> bool:
        """Record a new alert as pending; False when it is known already (told or decided)."""
        values = {
            "key": alert_key(identity), "kind": kind, "company": company, "status": "pending",
            "subject": subject, "body": body, "url": url, "numbers": json.dumps(numbers),
            "detected_at": now, "updated_at": now,
        }  # fmt: skip
        with self.engine.begin() as connection:
            try:
                with connection.begin_nested():
                    connection.execute(insert(s.alerts).values(**values))
            except IntegrityError:
                return False
        return True

    def known_alert(self, identity: str) -> bool:
        query = select(s.alerts.c.id).where(s.alerts.c.key == alert_key(identity))
        with self.engine.connect() as connection:
            return connection.execute(query).first() is not None

    def pending_alerts(self) -> list[AlertRecord]:
        """Alerts waiting to be told, oldest first."""
        query = select(s.alerts).where(s.alerts.c.status == "pending").order_by(s.alerts.c.id)
        with self.engine.connect() as connection:
            return [_alert_record(row) for row in connection.execute(query)]

    def claim_alert(self, alert_id: int, now: datetime) -> bool:
        """Take the right to send a pending alert; False when another process took it."""
        query = (
            update(s.alerts)
            .where(s.alerts.c.id == alert_id, s.alerts.c.status == "pending")
            .values(status="sending", updated_at=now)
        )
        with self.engine.begin() as connection:
            return connection.execute(query).rowcount == 1

    def give_up_abandoned_alerts(self, before: datetime, now: datetime) -> int:
        """Alerts left `sending` since before `before` by a program that stopped in the middle:
        recorded as failed, not sent again (a copy may have gone out already)."""
        a = s.alerts.c
        query = (
            update(s.alerts)
            .where(a.status == "sending", a.updated_at < before)
            .values(
                status="failed",
                updated_at=now,
                error="the program stopped while sending it; it may or may not have arrived",
            )
        )
        with self.engine.begin() as connection:
            return connection.execute(query).rowcount

    def finish_alert(
        self,
        alert_id: int,
        status: str,
        now: datetime,
        *,
        channels: str | None = None,
        error: str | None = None,
    ) -> None:
        values: dict[str, Any] = {"status": status, "updated_at": now, "error": error}
        if status == "sent":
            values.update(sent_at=now, channels=channels)
        with self.engine.begin() as connection:
            connection.execute(update(s.alerts).where(s.alerts.c.id == alert_id).values(**values))

    def last_alert_sent(self, company: str, kind: str) -> datetime | None:
        a = s.alerts.c
        query = select(func.max(a.sent_at)).where(
            a.company == company, a.kind == kind, a.status == "sent"
        )
        with self.engine.connect() as connection:
            return connection.execute(query).scalar_one_or_none()

    def alerts_sent_since(self, since: datetime) -> int:
        a = s.alerts.c
        query = select(func.count()).where(a.status == "sent", a.sent_at >= since)
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def recent_alerts(self, limit: int = 20) -> list[AlertRecord]:
        """The newest alerts, newest first (for `monitor status`)."""
        query = select(s.alerts).order_by(s.alerts.c.id.desc()).limit(limit)
        with self.engine.connect() as connection:
            return [_alert_record(row) for row in connection.execute(query)]


def _alert_record(row: Any) -> AlertRecord:
    return AlertRecord(
        id=row.id, key=row.key, kind=row.kind, company=row.company, status=row.status,
        subject=row.subject, body=row.body, url=row.url, numbers=json.loads(row.numbers or "{}"),
        detected_at=row.detected_at, updated_at=row.updated_at, sent_at=row.sent_at,
        channels=row.channels, error=row.error,
    )  # fmt: skip
