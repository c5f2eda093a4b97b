"""The plain-text scoreboard: a short block per company, every line within 78 columns and none
starting with ">" (mail clients show such a line as a quotation)."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from monitor.report.context import ScoreRow

WIDTH = 78


def score_blocks(rows: Sequence[ScoreRow], headers: Sequence[str] = (), us: str = "(us)") -> str:
    """Per company: its name, then its figures with their changes, then the details."""
    blocks = []
    for row in rows:
        name = (
            row.company + (f" {us}" if row.kind == "us" else "") + (" *" if row.incomplete else "")
        )
        figures = " · ".join(
            f"{header} {cell.text}" for header, cell in zip(headers[1:], row.cells, strict=False)
        )
        lines = [name, *wrap(figures, "  "), *wrap(row.details, "  ")]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def wrap(text: str, indent: str = "") -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent,
                         break_long_words=False, break_on_hyphens=False)  # fmt: skip
