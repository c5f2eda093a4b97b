"""The digest deliveries: who got which week, so a week is sent once."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from monitor.store import schema as s
from monitor.store.records import DeliveryRecord, _delivery_record


class Deliveries:
    engine: Engine

    def claim_delivery(self, week: str, recipients: str, path: str, now: datetime) -> bool:
        """Take the right to send a week to a recipient list. False: it is sent or being sent.

        The unique (week, recipients) row and a conditional update make two racing
        processes agree: only one of them gets True.
        """
        d = s.deliveries.c
        with self.engine.begin() as connection:
            try:
                with connection.begin_nested():
                    _insert_sending(connection, week, recipients, path, now)
                return True
            except IntegrityError:
                pass  # a row exists: only a failed or pending delivery may be taken again
            claimed = connection.execute(
                update(s.deliveries)
                .where(
                    d.week == week, d.recipients == recipients, d.status.in_(("pending", "failed"))
                )
                .values(status="sending", path=path, attempts=d.attempts + 1, updated_at=now)
            )
            return claimed.rowcount == 1

    def force_delivery(self, week: str, recipients: str, path: str, now: datetime) -> None:
        """Take the right to send again, on purpose (`--force`)."""
        with self.engine.begin() as connection:
            d = s.deliveries.c
            done = connection.execute(
                update(s.deliveries)
                .where(d.week == week, d.recipients == recipients)
                .values(status="sending", path=path, attempts=d.attempts + 1, updated_at=now)
            )
            if done.rowcount == 0:
                _insert_sending(connection, week, recipients, path, now)

    def finish_delivery(
        self,
        week: str,
        recipients: str,
        *,
        status: str,
        now: datetime,
        message_id: str | None = None,
        error: str | None = None,
        refused: dict[str, str] | None = None,
    ) -> None:
        d = s.deliveries.c
        with self.engine.begin() as connection:
            connection.execute(
                update(s.deliveries)
                .where(d.week == week, d.recipients == recipients)
                .values(
                    status=status,
                    message_id=message_id,
                    error=error,
                    refused=json.dumps(refused or {}),
                    updated_at=now,
                    sent_at=now if status in ("sent", "partial") else None,
                )
            )

    def deliveries(self, *, status: tuple[str, ...] | None = None) -> list[DeliveryRecord]:
        query = select(s.deliveries).order_by(s.deliveries.c.week.desc())
        if status:
            query = query.where(s.deliveries.c.status.in_(status))
        with self.engine.connect() as connection:
            return [_delivery_record(row) for row in connection.execute(query)]

    def delivery(self, week: str, recipients: str) -> DeliveryRecord | None:
        return next(
            (d for d in self.deliveries() if d.week == week and d.recipients == recipients), None
        )


def _insert_sending(
    connection: Connection, week: str, recipients: str, path: str, now: datetime
) -> None:
    """The first attempt at a week for a recipient list."""
    connection.execute(
        insert(s.deliveries).values(
            week=week,
            recipients=recipients,
            status="sending",
            path=path,
            attempts=1,
            created_at=now,
            updated_at=now,
        )
    )
