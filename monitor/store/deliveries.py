"""The digest deliveries: who got which week, so a week is sent once.

A (week, recipient list) row is identified by the week and a hash of the list: the list
itself can be too long for a unique index (200 addresses pass PostgreSQL's btree row limit).
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Connection, Engine, and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from monitor.store import schema as s
from monitor.store.records import DeliveryRecord, _delivery_record
from monitor.store.schema import recipients_hash

# A delivery in one of these states may be taken again by a normal (not forced) send.
_RETAKEN = ("pending", "failed", "held")


class Deliveries:
    engine: Engine

    def claim_delivery(
        self,
        week: str,
        recipients: str,
        path: str,
        now: datetime,
        *,
        abandoned_before: datetime | None = None,
    ) -> bool:
        """Take the right to send a week to a recipient list. False: it is sent or being sent.

        The unique (week, recipients) row and a conditional update make two racing
        processes agree: only one of them gets True. A row left `sending` since before
        `abandoned_before` was left by a process that died; it may be taken again.
        """
        d = s.deliveries.c
        takeable = d.status.in_(_RETAKEN)
        if abandoned_before is not None:
            takeable = or_(takeable, and_(d.status == "sending", d.updated_at < abandoned_before))
        with self.engine.begin() as connection:
            try:
                with connection.begin_nested():
                    _insert(connection, week, recipients, path, now, "sending")
                return True
            except IntegrityError:
                pass  # a row exists: only a failed, pending, held or abandoned one may be taken
            claimed = connection.execute(
                update(s.deliveries)
                .where(_identity(week, recipients), takeable)
                .values(status="sending", path=path, attempts=d.attempts + 1, updated_at=now)
            )
            return claimed.rowcount == 1

    def force_delivery(self, week: str, recipients: str, path: str, now: datetime) -> None:
        """Take the right to send again, on purpose (`--force`)."""
        with self.engine.begin() as connection:
            d = s.deliveries.c
            done = connection.execute(
                update(s.deliveries)
                .where(_identity(week, recipients))
                .values(status="sending", path=path, attempts=d.attempts + 1, updated_at=now)
            )
            if done.rowcount == 0:
                _insert(connection, week, recipients, path, now, "sending")

    def hold_delivery(
        self, week: str, recipients: str, path: str, reason: str, now: datetime
    ) -> bool:
        """Record a week held back from its recipients. True when it was not held before
        (the operator is told once); a week already sent is left as it is."""
        d = s.deliveries.c
        with self.engine.begin() as connection:
            row = connection.execute(
                select(d.status).where(_identity(week, recipients))
            ).one_or_none()
            if row is None:
                _insert(connection, week, recipients, path, now, "held", error=reason)
                return True
            if row.status not in _RETAKEN:
                return False
            connection.execute(
                update(s.deliveries)
                .where(_identity(week, recipients))
                .values(status="held", path=path, error=reason, updated_at=now)
            )
            return row.status != "held"

    def note_message_id(self, week: str, recipients: str, message_id: str, now: datetime) -> None:
        """Remember the Message-ID before talking to the server: a retry after a crash in the
        middle sends the same one, so a copy that did arrive is folded by mail clients."""
        with self.engine.begin() as connection:
            connection.execute(
                update(s.deliveries)
                .where(_identity(week, recipients))
                .values(message_id=message_id, updated_at=now)
            )

    def release_delivery(self, week: str, recipients: str, error: str, now: datetime) -> None:
        """Give a claimed delivery back (stopped, or the outbox could not be written): the
        next attempt takes it."""
        with self.engine.begin() as connection:
            connection.execute(
                update(s.deliveries)
                .where(_identity(week, recipients), s.deliveries.c.status == "sending")
                .values(status="pending", error=error, updated_at=now)
            )

    def count_attempt(self, week: str, recipients: str) -> None:
        """One more try at the mail server within the same delivery (its retries)."""
        d = s.deliveries.c
        with self.engine.begin() as connection:
            connection.execute(
                update(s.deliveries)
                .where(d.week == week, d.recipients == recipients)
                .values(attempts=d.attempts + 1)
            )

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
        with self.engine.begin() as connection:
            connection.execute(
                update(s.deliveries)
                .where(_identity(week, recipients))
                .values(
                    status=status,
                    message_id=message_id,
                    error=error,
                    refused=json.dumps(refused or {}),
                    updated_at=now,
                    sent_at=now if status in ("sent", "partial") else None,
                )
            )

    def deliveries(
        self, *, status: tuple[str, ...] | None = None, abandoned_before: datetime | None = None
    ) -> list[DeliveryRecord]:
        """Newest week first; `status` filters, and with `abandoned_before` also takes the
        rows left `sending` since before then."""
        d = s.deliveries.c
        query = select(s.deliveries).order_by(d.week.desc())
        if status:
            wanted = d.status.in_(status)
            if abandoned_before is not None:
                wanted = or_(wanted, and_(d.status == "sending", d.updated_at < abandoned_before))
            query = query.where(wanted)
        with self.engine.connect() as connection:
            return [_delivery_record(row) for row in connection.execute(query)]

    def delivery(self, week: str, recipients: str) -> DeliveryRecord | None:
        query = select(s.deliveries).where(_identity(week, recipients))
        with self.engine.connect() as connection:
            row = connection.execute(query).one_or_none()
        return _delivery_record(row) if row is not None else None


def _identity(week: str, recipients: str):
    d = s.deliveries.c
    return and_(d.week == week, d.recipients_hash == recipients_hash(recipients))


def _insert(
    connection: Connection,
    week: str,
    recipients: str,
    path: str,
    now: datetime,
    status: str,
    error: str | None = None,
) -> None:
    """The first record of a week for a recipient list."""
    connection.execute(
        insert(s.deliveries).values(
            week=week,
            recipients=recipients,
            recipients_hash=recipients_hash(recipients),
            status=status,
            path=path,
            error=error,
            attempts=1 if status == "sending" else 0,
            created_at=now,
            updated_at=now,
        )
    )
