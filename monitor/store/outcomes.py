"""Our own weekly results in the store: one row per outcome source and week, corrected in
place when the source gives other figures for a week it gave before."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update

from monitor.domain import WeekOutcome
from monitor.store import schema as s
from monitor.store.records import Rows

VALUES = (*WeekOutcome.FIGURES, "currency")


def write_outcomes(
    connection: Connection, source_id: int, outcomes: tuple[WeekOutcome, ...], observed: datetime
) -> tuple[int, int]:
    """New weeks inserted, weeks whose figures changed corrected: (new, corrected)."""
    if not outcomes:
        return 0, 0
    by_week = {o.week: o for o in outcomes}
    table = s.outcomes
    known = {
        row.week: row
        for row in connection.execute(select(table).where(table.c.source_id == source_id))
    }
    new_rows = [
        {"source_id": source_id, "week": week, **_values(outcome),
         "first_seen_at": observed, "observed_at": observed, "changed_at": observed}
        for week, outcome in by_week.items()
        if week not in known
    ]  # fmt: skip
    if new_rows:
        connection.execute(table.insert(), new_rows)
    corrected = 0
    seen = [known[w].id for w in by_week if w in known]
    for week, outcome in by_week.items():
        row = known.get(week)
        if row is None or all(getattr(row, k) == v for k, v in _values(outcome).items()):
            continue
        corrected += 1
        changed = _values(outcome) | {"changed_at": observed}
        connection.execute(update(table).where(table.c.id == row.id).values(**changed))
    if seen:
        connection.execute(update(table).where(table.c.id.in_(seen)).values(observed_at=observed))
    return len(new_rows), corrected


def _values(outcome: WeekOutcome) -> dict[str, Any]:
    return {name: getattr(outcome, name) for name in VALUES}


class OutcomeReads:
    engine: Engine

    def read_last_warnings(self, source_ids: list[int], since: datetime, until: datetime) -> dict:
        """Per source, what its last good reading in [since, until) warned of, where it did."""
        e = s.source_events.c
        last = (
            select(e.source_id, func.max(e.at).label("at"))
            .where(e.source_id.in_(source_ids), e.ok, e.at >= since, e.at < until)
            .group_by(e.source_id)
            .subquery()
        )
        query = select(e.source_id, e.message).join(
            last, (last.c.source_id == e.source_id) & (last.c.at == e.at)
        )
        with self.engine.connect() as connection:
            return {row.source_id: row.message for row in connection.execute(query) if row.message}

    def read_outcomes(self) -> Rows:
        """Every stored week of every outcome source, with the source's company and kind, in
        the order the sources were configured (the first source giving a figure counts)."""
        table = s.outcomes
        query = (
            select(
                s.companies.c.name.label("company"),
                s.companies.c.is_self,
                s.sources.c.id.label("source_id"),
                s.sources.c.kind.label("source_kind"),
                s.sources.c.target,
                s.sources.c.active,
                table.c.week,
                *(table.c[name] for name in VALUES),
                table.c.observed_at,
                table.c.changed_at,
            )
            .select_from(table.join(s.sources).join(s.companies))
            .order_by(table.c.week, s.sources.c.id)
        )
        with self.engine.connect() as connection:
            result = connection.execute(query)
            return Rows(tuple(result.keys()), [tuple(row) for row in result])
