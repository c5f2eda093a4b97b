"""Many rows of one table, written or looked up with the values handed to the driver as they are.

Core runs each parameter of each row through a few layers of Python (most of a harvest's
write time at 1,000 sources). Here the statement is rendered once per size, each column's
own conversion (the store's types included) is looked up once, and the rows go to the driver
as flat tuples: the same values as Core would write and read, in a fraction of the time.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from itertools import chain
from typing import Any

from sqlalchemy import Connection, Dialect, Table

# Parameters a statement: under SQLite's limit (32,766) and PostgreSQL's (65,535).
MAX_PARAMS = 30_000
_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}

# The columns that have a conversion, by position: the others are handed over as they are.
Conversions = tuple[tuple[int, Callable[[Any], Any]], ...]


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
    converted = _converted_rows(rows, processors)
    if not returning:
        connection.exec_driver_sql(_sql(dialect, table, tuple(columns), 1, ()), converted)
        return []
    chunk = max(1, MAX_PARAMS // len(columns))
    returned: list[tuple[Any, ...]] = []
    for start in range(0, len(converted), chunk):
        part = converted[start : start + chunk]
        sql = _sql(dialect, table, tuple(columns), len(part), tuple(returning))
        flat = tuple(chain.from_iterable(part))
        returned += [tuple(row) for row in connection.exec_driver_sql(sql, flat)]
    return returned


def update_rows(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    where: str = "id",
) -> None:
    """Set `columns` to each row's values where `where` equals the row's last value."""
    if not rows:
        return
    dialect = connection.dialect
    names = (*columns, where)
    processors = _processors(dialect, table, names)
    converted = _converted_rows(rows, processors)
    connection.exec_driver_sql(_update_sql(dialect, table, tuple(columns), where), converted)


def rows_matching(
    connection: Connection,
    table: Table,
    keys: Sequence[str],
    wanted: Sequence[Sequence[Any]],
    columns: Sequence[str],
) -> list[tuple[Any, ...]]:
    """The `columns` of the rows whose `keys` equal one of the `wanted` tuples, read back as
    Core reads them. The key columns should be those of an index: each tuple is one lookup."""
    if not wanted:
        return []
    dialect = connection.dialect
    to_driver = _processors(dialect, table, tuple(keys))
    from_driver = _result_processors(dialect, table, tuple(columns))
    chunk = max(1, MAX_PARAMS // len(keys))
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(wanted), chunk):
        part = wanted[start : start + chunk]
        sql = _select_sql(dialect, table, tuple(keys), len(part), tuple(columns))
        flat = tuple(chain.from_iterable(_converted_rows(part, to_driver)))
        found += _converted_rows(connection.exec_driver_sql(sql, flat), from_driver)
    return found


def _converted_rows(rows: Iterable[Sequence[Any]], conversions: Conversions) -> list[tuple]:
    """Each row converted; a value that is the very object of the row before (a harvest's
    time of observation on each of its posts, True and False) is converted once."""
    if not conversions:
        return [tuple(row) for row in rows]
    last: list[tuple[Any, Any]] = [(None, None)] * len(conversions)  # (value, converted)
    converted = []
    for row in rows:
        values = list(row)
        for index, (at, convert) in enumerate(conversions):
            value = values[at]
            if value is None:
                continue
            seen, result = last[index]
            if seen is not value:
                result = convert(value)
                last[index] = (value, result)
            values[at] = result
        converted.append(tuple(values))
    return converted


@functools.cache
def _processors(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> Conversions:
    """Each column's conversion to what the driver takes, as Core would apply it."""
    found = (table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns)
    return tuple((at, convert) for at, convert in enumerate(found) if convert is not None)


@functools.cache
def _result_processors(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> Conversions:
    """Each column's conversion from what the driver gives, as Core would apply it."""
    found = (
        table.c[name].type.dialect_impl(dialect).result_processor(dialect, None) for name in columns
    )
    return tuple((at, convert) for at, convert in enumerate(found) if convert is not None)


class _Sql:
    """How this dialect writes a name, a table and a parameter."""

    def __init__(self, dialect: Dialect, table: Table):
        self.quote = dialect.identifier_preparer.quote
        self.table = dialect.identifier_preparer.format_table(table)
        self.placeholder = _PLACEHOLDERS[dialect.paramstyle]

    def names(self, columns: tuple[str, ...], prefix: str = "") -> str:
        return ", ".join(prefix + self.quote(c) for c in columns)

    def values(self, width: int, count: int) -> str:
        one = "(" + ", ".join([self.placeholder] * width) + ")"
        return ", ".join([one] * count)


@functools.cache
def _sql(
    dialect: Dialect, table: Table, columns: tuple[str, ...], rows: int, returning: tuple[str, ...]
) -> str:
    sql = _Sql(dialect, table)
    text = f"INSERT INTO {sql.table} ({sql.names(columns)}) VALUES {sql.values(len(columns), rows)}"
    return text + (f" RETURNING {sql.names(returning)}" if returning else "")


@functools.cache
def _update_sql(dialect: Dialect, table: Table, columns: tuple[str, ...], where: str) -> str:
    sql = _Sql(dialect, table)
    assignments = ", ".join(f"{sql.quote(c)} = {sql.placeholder}" for c in columns)
    return f"UPDATE {sql.table} SET {assignments} WHERE {sql.quote(where)} = {sql.placeholder}"


@functools.cache
def _select_sql(
    dialect: Dialect, table: Table, keys: tuple[str, ...], count: int, columns: tuple[str, ...]
) -> str:
    # A join on a list of values: each one an index lookup, where SQLite would answer a
    # "(a, b) IN (…)" by scanning the whole index.
    sql = _Sql(dialect, table)
    names = [f"k{n}" for n in range(len(keys))]
    on = " AND ".join(
        f"{sql.table}.{sql.quote(k)} = w.{n}" for k, n in zip(keys, names, strict=True)
    )
    return (
        f"WITH w ({', '.join(names)}) AS (VALUES {sql.values(len(keys), count)}) "
        f"SELECT {sql.names(columns, f'{sql.table}.')} FROM {sql.table} JOIN w ON {on}"
    )
