"""Export what is stored and computed as rows with stable column names (CSV or JSON).

Column names are part of the user's contract (docs/readme/metrics-export.md): add new ones
at the end, never rename.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from typing import Any, TextIO

from monitor.domain import Counts
from monitor.links import safe_url
from monitor.metrics import CompanyWeek, IsoWeek, MetricsSettings, WeekMetrics, load_and_compute
from monitor.metrics.outcomes import Outcomes
from monitor.metrics.scoreboard import FIGURES

POST_COLUMNS = (
    "company", "is_self", "platform", "source_id", "source_label", "external_id", "url",
    "title", "text", "published_at", "media_type", "hashtags", "is_repost", "likes", "replies",
    "reposts", "quotes", "views", "engagement", "counts_observed_at",
)  # fmt: skip
ACCOUNT_COLUMNS = (
    "company", "is_self", "platform", "source_id", "observed_at", "followers", "following",
    "posts_total",
)  # fmt: skip
SUFFIXES = (("", "value"), ("_previous", "previous"), ("_change", "change"),
            ("_change_pct", "change_pct"))  # fmt: skip
# Figures added after the first release go after "notes", so no column moves.
FIRST_FIGURES = FIGURES[: FIGURES.index("share_of_engagement") + 1]
WEEKLY_COLUMNS = (
    "week", "scope", "company", "platform", "is_self",
    *(f"{name}{suffix}" for name in FIRST_FIGURES for suffix, _ in SUFFIXES),
    "follower_drop", "incomplete", "notes",
    *(f"{name}{suffix}" for name in FIGURES if name not in FIRST_FIGURES for suffix, _ in SUFFIXES),
)  # fmt: skip
MENTION_COLUMNS = (
    "company", "is_self", "source_kind", "url", "title", "text", "author", "published_at",
    "likes", "replies", "reposts", "quotes", "views", "engagement",
)  # fmt: skip
OUTCOME_COLUMNS = (
    "week", "posts", "engagement", "visits_from_social", "signups", "orders", "revenue",
    "currency", "spend", "spend_currency", "spend_from", "cost_per_visit", "cost_per_engagement",
)  # fmt: skip
COLUMNS = {
    "posts": POST_COLUMNS,
    "accounts": ACCOUNT_COLUMNS,
    "weekly": WEEKLY_COLUMNS,
    "mentions": MENTION_COLUMNS,
    "outcomes": OUTCOME_COLUMNS,
}


def export_posts(store, since: datetime, until: datetime, company: str | None = None) -> list[dict]:
    """Posts published in [since, until) with their latest counts and source, oldest first."""
    result = store.read_posts(since, until)
    rows = [dict(zip(result.columns, row, strict=True)) for row in result.rows]
    rows = [r for r in rows if company is None or r["company"] == company]
    for row in rows:
        row["engagement"] = Counts(
            *(row[c] for c in ("likes", "replies", "reposts", "quotes"))
        ).engagement
        # Only a web address a reader can safely follow is exported (never javascript: or data:).
        row["url"] = safe_url(row["url"])
    rows.sort(key=lambda r: (r["published_at"], r["company"], r["external_id"]))
    return [_plain({c: row.get(c) for c in POST_COLUMNS}) for row in rows]  # fmt: skip


def export_mentions(
    store, since: datetime, until: datetime, company: str | None = None
) -> list[dict]:
    """What others published naming each company in [since, until), oldest first."""
    result = store.read_mentions(since, until)
    rows = [dict(zip(result.columns, row, strict=True)) for row in result.rows]
    rows = [r for r in rows if company is None or r["company"] == company]
    rows.sort(key=lambda r: (r["published_at"], r["company"], r["url"]))
    for row in rows:
        row["engagement"] = Counts(
            *(row[c] for c in ("likes", "replies", "reposts", "quotes"))
        ).engagement
        row["url"] = safe_url(row["url"])  # only a web address a reader can safely follow
    return [_plain({c: row.get(c) for c in MENTION_COLUMNS}) for row in rows]


def export_accounts(
    store, since: datetime, until: datetime, company: str | None = None
) -> list[dict]:
    """Audience observations in [since, until) (a row only when a number changed), oldest first."""
    result = store.read_account_counts(since, until)
    rows = [dict(zip(result.columns, row, strict=True)) for row in result.rows]
    rows = [r for r in rows if r["observed_at"] >= since and company in (None, r["company"])]
    rows.sort(key=lambda r: (r["observed_at"], r["company"], r["source_id"]))
    return [_plain({c: row.get(c) for c in ACCOUNT_COLUMNS}) for row in rows]


def export_weekly(
    store, week: IsoWeek, settings: MetricsSettings, company: str | None = None
) -> list[dict]:
    """The week's scoreboard: per company, per company and platform, and the two averages."""
    rows = weekly_rows(load_and_compute(store, week, settings))
    return [row for row in rows if company is None or row["company"] == company]


def weekly_rows(metrics: WeekMetrics) -> list[dict[str, Any]]:
    """The week's figures flattened, as `export weekly` and the digest's figures file give them."""
    week = metrics.week
    scoped = [
        *(("company", row) for row in metrics.companies),
        *(("platform", row) for row in metrics.platforms),
        ("average", metrics.competitor_average),
        ("average", metrics.landscape_average),
    ]
    return [_weekly_row(week, scope, row) for scope, row in scoped]


def _weekly_row(week: IsoWeek, scope: str, row: CompanyWeek) -> dict[str, Any]:
    flat: dict[str, Any] = {
        "week": week.label,
        "scope": scope,
        "company": row.company,
        "platform": row.platform,
        "is_self": row.is_self,
    }
    for name in FIGURES:
        figure = getattr(row, name)
        for suffix, field in SUFFIXES:
            flat[f"{name}{suffix}"] = getattr(figure, field)
    flat.update(
        follower_drop=row.follower_drop, incomplete=row.incomplete, notes="; ".join(row.notes)
    )
    return {column: flat[column] for column in WEEKLY_COLUMNS}


def export_outcomes(store, week: IsoWeek, settings: MetricsSettings, spend=None) -> list[dict]:
    """Our trend weeks ending with `week`: posts and engagement beside what social brought us
    (visits, sign-ups, orders, revenue) and, where a spend is stated, what it cost."""
    from monitor.metrics.outcomes import load_outcomes

    outcomes = load_outcomes(store, load_and_compute(store, week, settings), spend)
    return outcome_rows(outcomes) if outcomes is not None else []


def outcome_rows(outcomes: Outcomes) -> list[dict[str, Any]]:
    """The weeks as `export outcomes` and the digest's figures file give them."""
    rows = []
    for week in outcomes.weeks:
        row = {column: getattr(week, column, None) for column in OUTCOME_COLUMNS}
        rows.append({**row, "week": week.week.label})
    return rows


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """Times as ISO 8601 text (UTC), so CSV and JSON carry the same values."""
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}


def write_rows(
    rows: list[dict], format: str, stream: TextIO, columns: tuple[str, ...] | None = None
) -> None:
    """Write rows as CSV (a header row, empty cell = unknown) or JSON (a list of objects, null =
    unknown). `columns` fixes the header when there are no rows."""
    columns = columns or (tuple(rows[0]) if rows else ())
    if format == "json":
        json.dump([{c: row.get(c) for c in columns} for row in rows], stream, ensure_ascii=False,
                  indent=1)  # fmt: skip
        stream.write("\n")
    elif format == "csv":
        # RFC 4180's CRLF: the writer then quotes a field holding a lone CR (with "\n" it would
        # not, and the row would split in a spreadsheet).
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(columns)
        writer.writerows([[_cell(row.get(c)) for c in columns] for row in rows])
    else:
        raise ValueError(f"the export format is csv or json (got {format!r})")


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value  # shown as the text it is, never run
    if isinstance(value, float) and value.is_integer():
        return int(value)  # a count that went through pandas: 21, not 21.0
    return value


__all__ = [
    "ACCOUNT_COLUMNS", "COLUMNS", "MENTION_COLUMNS", "OUTCOME_COLUMNS", "POST_COLUMNS",
    "WEEKLY_COLUMNS", "export_accounts", "export_mentions", "export_outcomes", "export_posts",
    "export_weekly", "outcome_rows", "write_rows",
]  # fmt: skip
