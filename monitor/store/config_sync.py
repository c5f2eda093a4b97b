"""Companies and sources made to match the configuration, in one pass over each table.

Two reads (every company, every source), then only the rows that differ are written, in a
few executemany statements: linear in the number of sources, cheap when nothing changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from monitor.store import schema as s

# What matching a source needs: not its state (times, what it remembers), the bulk of a row.
_SOURCE_COLUMNS = tuple(
    s.sources.c[c] for c in ("id", "company_id", "kind", "target", "label", "active", "interval_s")
)

# (name, is_self, [(kind, target, label[, interval_s]), …])
WantedCompany = tuple[str, bool, Sequence[tuple]]


def sync_config(connection: Connection, companies: Sequence[WantedCompany]) -> None:
    """A company whose name is new but whose sources match a company that left the file is
    a rename. Sources that left the file are marked inactive, never deleted: history stays."""
    existing = {row.name: row for row in connection.execute(select(s.companies))}
    sources = list(connection.execute(select(*_SOURCE_COLUMNS)))
    wanted_names = {name for name, _, _ in companies}
    # (kind, target) -> ids of companies that left the file, for spotting a rename
    leavers = {row.id for name, row in existing.items() if name not in wanted_names}
    left_keys: dict[tuple[str, str], list[int]] = {}
    for row in sources:
        if row.company_id in leavers:
            left_keys.setdefault((row.kind, row.target), []).append(row.company_id)
    claimed: set[int] = set()
    company_updates: list[dict[str, Any]] = []
    placed: list[tuple[int, Sequence[tuple]]] = []
    for name, is_self, wanted in companies:
        row = existing.get(name)
        company_id = row.id if row is not None else _renamed(wanted, left_keys, claimed)
        if company_id is None:
            values = {"name": name, "is_self": is_self, "active": True}
            inserted = connection.execute(insert(s.companies).values(**values))
            company_id = inserted.inserted_primary_key[0]
        elif row is None or row.is_self != is_self or not row.active:
            company_updates.append(
                {"b_id": company_id, "b_name": name, "b_is_self": is_self, "b_active": True}
            )
        claimed.add(company_id)
        placed.append((company_id, wanted))
    for name, row in existing.items():
        if row.id not in claimed and row.active:  # left the file: kept, with its history
            company_updates.append(
                {"b_id": row.id, "b_name": name, "b_is_self": row.is_self, "b_active": False}
            )
    _update_companies(connection, company_updates)
    _sync_sources(connection, sources, placed, claimed)


def _renamed(
    wanted: Sequence[tuple], left_keys: dict[tuple[str, str], list[int]], claimed: set[int]
) -> int | None:
    for kind, target, *_ in wanted:
        for company_id in left_keys.get((kind, target), ()):
            if company_id not in claimed:
                return company_id
    return None


def _update_companies(connection: Connection, updates: list[dict[str, Any]]) -> None:
    if not updates:
        return
    connection.execute(
        update(s.companies)
        .where(s.companies.c.id == bindparam("b_id"))
        .values(
            name=bindparam("b_name"), is_self=bindparam("b_is_self"), active=bindparam("b_active")
        ),
        updates,
    )


def _sync_sources(
    connection: Connection,
    sources: list[Any],
    placed: list[tuple[int, Sequence[tuple]]],
    claimed: set[int],
) -> None:
    rows = {(r.company_id, r.kind, r.target): r for r in sources}
    seen: set[int] = set()
    changes: list[dict[str, Any]] = []
    new: list[dict[str, Any]] = []
    for company_id, wanted in placed:
        for kind, target, label, *schedule in wanted:
            interval_s = next(iter(schedule), None)
            row = rows.get((company_id, kind, target))
            if row is None:
                new.append(
                    {
                        "company_id": company_id,
                        "kind": kind,
                        "target": target,
                        "label": label,
                        "active": True,
                        "interval_s": interval_s,
                    }
                )
                continue
            seen.add(row.id)
            if (row.label, row.active, row.interval_s) != (label, True, interval_s):
                changes.append(_source_change(row.id, label, True, interval_s))
    for row in sources:  # left the file (or its company did): inactive, history kept
        if row.id not in seen and row.active:
            changes.append(_source_change(row.id, row.label, False, row.interval_s))
    if changes:
        connection.execute(
            update(s.sources)
            .where(s.sources.c.id == bindparam("b_id"))
            .values(
                label=bindparam("b_label"),
                active=bindparam("b_active"),
                interval_s=bindparam("b_interval_s"),
            ),
            changes,
        )
    if new:
        connection.execute(insert(s.sources), new)


def _source_change(source_id: int, label, active: bool, interval_s) -> dict[str, Any]:
    return {"b_id": source_id, "b_label": label, "b_active": active, "b_interval_s": interval_s}
