"""csv: our own weekly results from a CSV file or a published CSV address.

One row a week: `week` (an ISO week like 2026-W47, or a date in it), then any of
`visits_from_social`, `signups`, `orders`, `revenue` and `spend`. A bad row is said with its
line number and left out; every other row is kept. Commas, semicolons or tabs between cells.
What it says of the rows left out is in the report's language: the digest shows it.
"""

from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from monitor.collectors import SourceContext
from monitor.collectors.outcome_values import N_, has_begun, parse_figure, week_label
from monitor.domain import Harvest, WeekOutcome
from monitor.errors import SourceError
from monitor.report.i18n import Formatter

WHOLE = ("visits_from_social", "signups", "orders")
AMOUNTS = ("revenue", "spend")
COLUMNS = ("week", *WHOLE, *AMOUNTS)
# What people call the columns, beside the names above.
ALIASES = {"visits": "visits_from_social", "social_visits": "visits_from_social",
           "sign_ups": "signups", "sales": "orders", "date": "week", "cost": "spend"}  # fmt: skip
MAX_WARNINGS = 10  # said one by one; the rest counted


class _BadRow(ValueError):
    """A row left out: why, as a message to translate and its values."""

    def __init__(self, message: str, **values: object):
        super().__init__(message % values)
        self.message, self.values = message, values


@dataclass
class Parsed:
    outcomes: list[WeekOutcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def parse_outcomes(
    body: bytes,
    now: datetime,
    *,
    currency: str | None = None,
    name: str = "the file",
    language: str = "en",
) -> Parsed:
    """The weeks of a CSV, with one plain sentence per row left out and why (in `language`)."""
    say = Formatter(language)
    text = _decoded(body)
    rows = csv.reader(io.StringIO(text, newline=""), dialect=_dialect(text))
    header = next(rows, None)
    columns = _columns(header, name)
    parsed = Parsed()
    if unknown := [h for h in (header or []) if _column_name(h) not in COLUMNS and h.strip()]:
        parsed.warnings.append(say._("columns not read: %(columns)s", columns=", ".join(unknown)))
    kept: dict[str, tuple[int, WeekOutcome]] = {}
    problems: list[str] = []
    for cells in rows:
        line = rows.line_num
        if not any(cell.strip() for cell in cells):
            continue
        try:
            outcome = _row(cells, columns, currency)
        except _BadRow as error:
            why = say._(error.message, **error.values)
            left_out = say._("line %(line)s: %(why)s; the row was left out", line=line, why=why)
            problems.append(left_out)
            continue
        if not has_begun(outcome.week, now):
            problems.append(
                say._("line %(line)s: week %(week)s has not begun yet; left out",
                      line=line, week=outcome.week)
            )  # fmt: skip
            continue
        if outcome.week in kept:
            problems.append(
                say._("lines %(first)s and %(line)s are both week %(week)s; line %(line)s is kept",
                      first=kept[outcome.week][0], line=line, week=outcome.week)
            )  # fmt: skip
        kept[outcome.week] = (line, outcome)
    parsed.outcomes = [kept[week][1] for week in sorted(kept)]
    parsed.warnings += problems[:MAX_WARNINGS]
    if len(problems) > MAX_WARNINGS:
        more = len(problems) - MAX_WARNINGS
        parsed.warnings.append(
            say.n_("and %(num)s more row like this", "and %(num)s more rows like these", more)
        )
    return parsed


def _decoded(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")  # a spreadsheet saved the Windows way


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _column_name(header: str) -> str:
    name = "_".join(header.strip().lower().replace("-", " ").split())
    return ALIASES.get(name, name)


def _columns(header: list[str] | None, name: str) -> dict[str, int]:
    if not header:
        raise SourceError("bad_content", f"{name} is empty: it needs a header row, week first")
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        columns.setdefault(_column_name(cell), index)
    if "week" not in columns:
        raise SourceError(
            "bad_content",
            f"{name} has no 'week' column (its header row is: {', '.join(header)}); "
            f"the columns read are {', '.join(COLUMNS)}",
        )
    if not set(columns) & set(COLUMNS[1:]):
        raise SourceError("bad_content", f"{name} has none of the columns {', '.join(COLUMNS[1:])}")
    return columns


def _row(cells: list[str], columns: dict[str, int], currency: str | None) -> WeekOutcome:
    def cell(column: str) -> str:
        index = columns.get(column)
        return cells[index] if index is not None and index < len(cells) else ""

    week = week_label(cell("week"))
    if week is None:
        not_a_week = N_("%(value)s is not a week like 2026-W47 or a date")
        raise _BadRow(not_a_week, value=repr(cell("week")))
    figures: dict[str, float | int | None] = {}
    for column in (*WHOLE, *AMOUNTS):
        try:
            figures[column] = parse_figure(cell(column), whole=column in WHOLE)
        except ValueError as error:  # why, as outcome_values words it
            raise _BadRow(str(error), value=repr(cell(column)), column=column) from None
    if all(value is None for value in figures.values()):
        raise _BadRow(N_("week %(week)s has no figure"), week=week)
    amounts = figures["revenue"] is not None or figures["spend"] is not None
    return WeekOutcome(week=week, currency=currency if amounts else None, **figures)  # type: ignore[arg-type]


async def collect(ctx: SourceContext) -> Harvest:
    source = ctx.source
    if source.is_url:
        response = await ctx.client.get(source.location)
        body, name = response.content, source.location
    else:
        body, name = await asyncio.to_thread(_read_file, Path(source.location)), source.location
    parsed = parse_outcomes(
        body, ctx.now, currency=source.currency, name=name, language=ctx.language
    )
    return Harvest(
        observed_at=ctx.now, outcomes=tuple(parsed.outcomes), warnings=tuple(parsed.warnings)
    )


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SourceError("not_found", f"there is no file {path}") from None
    except IsADirectoryError:
        raise SourceError("not_found", f"{path} is a folder, not a CSV file") from None
    except PermissionError:
        raise SourceError("blocked", f"{path} cannot be read (permission denied)") from None
