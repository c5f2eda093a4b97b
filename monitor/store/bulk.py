"""Many rows into one table, with the values handed to the database driver as they are.

Core runs each parameter of each row through a few layers of Python (most of a harvest's
write time at 1,000 sources). Here the statement is rendered once per size, each column's
own conversion (the store's types included) is looked up once, and the rows go to the driver
as flat tuples: the same values as Core would write, in a fraction of the time.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Dialect, Table

# Parameters a statement: under SQLite's limit (32,766) and PostgreSQL's (65,535).
MAX_PARAMS = 30_000
_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}

Processor = Callable[[Any], Any] | None


def insert_rows(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Insert `rows` (values in the order of `columns`); the `returning` columns of the new
    rows when asked, in no particular order (SQLite promises none)."""
    if not rows:
        return []
    dialect = connection.dialect
    processors = _processors(dialect, table, tuple(columns))
    converted = [_converted(row, processors) for row in rows]
    if not returning:
        connection.exec_driver_sql(_sql(dialect, table, tuple(columns), 1, ()), converted)
        return []
    chunk = max(1, MAX_PARAMS // len(columns))
    returned: list[tuple[Any, ...]] = []
    for start in range(0, len(converted), chunk):
        part = converted[start : start + chunk]
        sql = _sql(dialect, table, tuple(columns), len(part), tuple(returning))
        flat = tuple(value for row in part for value in row)
        returned += [tuple(row) for row in connection.exec_driver_sql(sql, flat)]
    return returned


def _converted(row: Sequence[Any], processors: tuple[Processor, ...]) -> tuple[Any, ...]:
    return tuple(
        value if process is None or value is None else process(value)
        for value, process in zip(row, processors, strict=True)
    )


@functools.cache
def _processors(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> tuple[Processor, ...]:
    """Each column's conversion to what the driver takes, as Core would apply it."""
    return tuple(
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
    )


@functools.cache
def _sql(
    dialect: Dialect, table: Table, columns: tuple[str, ...], rows: int, returning: tuple[str, ...]
) -> str:
    quote = dialect.identifier_preparer.quote
    placeholder = _PLACEHOLDERS[dialect.paramstyle]
    one_row = "(" + ", ".join([placeholder] * len(columns)) + ")"
    sql = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
        f"({', '.join(quote(c) for c in columns)}) VALUES {', '.join([one_row] * rows)}"
    )
    if returning:
        sql += " RETURNING " + ", ".join(quote(c) for c in returning)
    return sql
