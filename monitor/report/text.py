"""The plain-text scoreboard: columns aligned with spaces, for the text/plain alternative."""

from __future__ import annotations

from collections.abc import Sequence

from monitor.report.context import ScoreRow


def score_table(headers: Sequence[str], rows: Sequence[ScoreRow]) -> str:
    """One line per company; each figure followed by its week-over-week change."""
    table = [list(headers)]
    for row in rows:
        name = row.company + (" *" if row.incomplete else "")
        if row.kind == "us":
            name = "> " + name
        table.append([name, *(cell.text for cell in row.cells)])
    widths = [max(len(line[column]) for line in table) for column in range(len(headers))]
    lines = []
    for line in table:
        first = line[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(line[1:], widths[1:], strict=True))
        lines.append("  ".join([first, *rest]).rstrip())
    return "\n".join(lines)
