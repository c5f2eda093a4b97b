"""The digest's "What it brought us" section: our own results week by week beside our posts,
the sentences about them, and what the monitor can and cannot see. It formats; it computes
nothing."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.insights.claims import Claim
from monitor.kinds import all_kinds
from monitor.metrics import SourceHealth
from monitor.metrics.outcomes import Outcomes, OutcomeWeek
from monitor.report.i18n import Formatter
from monitor.report.safety import one_line

# What no source of ours can read without a login, said every time beside what we watch.
NOT_WATCHED = "LinkedIn, TikTok or X"
COLUMNS = ("posts", "visits_from_social", "signups", "orders", "cost_per_visit")


@dataclass(frozen=True)
class OutcomeRow:
    week: str  # "wk 47"
    cells: tuple[str, ...]  # one per shown column
    current: bool  # the report week


def outcomes_view(
    outcomes: Outcomes | None, claims: list[Claim], health: list[SourceHealth], fmt: Formatter
) -> dict[str, object] | None:
    """What the templates show; None when no outcome source is configured."""
    if outcomes is None:
        return None
    shown = _columns(outcomes.weeks)
    headers = [_header(column, fmt) for column in shown]
    weeks = _from_first_figure(outcomes.weeks, shown)
    rows = [_row(w, shown, w is outcomes.this_week, fmt) for w in weeks]
    return {
        "sentences": [one_line(c.sentence(fmt.language)) for c in claims],
        "headers": headers,
        "rows": rows if shown else [],
        "table": text_table([fmt._("Week"), *headers], rows) if shown else "",
        "problems": _problems(outcomes, health, fmt),
        "watched": watched_sentence(health, fmt),
        "spend": _spend_note(outcomes, fmt),
    }


def _columns(weeks: list[OutcomeWeek]) -> list[str]:
    """Our posts, then each result any week has; none at all when no week has a result."""
    found = [c for c in COLUMNS[1:] if any(w.value(c) is not None for w in weeks)]
    return ["posts", *found] if found else []


def _from_first_figure(weeks: list[OutcomeWeek], shown: list[str]) -> list[OutcomeWeek]:
    """The trend weeks from the first that has a result: before it there is nothing to show."""
    results = [c for c in shown if c not in ("posts", "cost_per_visit")]
    first = next(
        (i for i, w in enumerate(weeks) if any(w.value(c) is not None for c in results)), None
    )
    return weeks[first:] if first is not None else []


def _row(week: OutcomeWeek, shown: list[str], current: bool, fmt: Formatter) -> OutcomeRow:
    cells = []
    for column in shown:
        value = week.value(column)
        if column == "cost_per_visit":
            cells.append(fmt.money(value, week.spend_currency, 2))
        else:
            cells.append(fmt.integer(value))
    return OutcomeRow(fmt._("wk %(week)s", week=week.week.week), tuple(cells), current)


def _header(column: str, fmt: Formatter) -> str:
    names = {
        "posts": fmt._("Our posts"),
        "visits_from_social": fmt._("Visits from social"),
        "signups": fmt._("Sign-ups"),
        "orders": fmt._("Orders"),
        "cost_per_visit": fmt._("Cost per visit"),
    }
    return names[column]


def text_table(headers: list[str], rows: list[OutcomeRow], width: int = 78) -> str:
    """The rows as plain-text columns, figures right-aligned, the report week marked '*';
    one space between columns where two would pass `width`."""
    lines = [[*headers], *([row.week + (" *" if row.current else ""), *row.cells] for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(headers))]
    gap = "  " if sum(widths) + 2 * (len(widths) - 1) <= width else " "

    def laid_out(line: list[str]) -> str:
        cells = [c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(line)]
        return gap.join(cells).rstrip()

    return "\n".join(laid_out(line) for line in lines)


def _problems(outcomes: Outcomes, health: list[SourceHealth], fmt: Formatter) -> list[str]:
    """An outcome source not read normally this week (its figures may be missing), and what
    each outcome source's last reading warned of (a CSV's rows left out)."""
    kinds = all_kinds()
    failing = sorted({h.platform for h in health if h.platform in kinds
                      and kinds[h.platform].outcomes and not h.ok})  # fmt: skip
    said = []
    if failing:
        names = ", ".join(fmt._(kinds[name].display_name) for name in failing)
        said.append(
            fmt._(
                "Not read normally this week: %(sources)s; some figures may be missing (see "
                "data health).",
                sources=names,
            )
        )
    for (kind, _target), warning in outcomes.warnings.items():
        name = fmt._(kinds[kind].display_name) if kind in kinds else kind
        said.append(
            fmt._(
                "%(source)s, at its last reading: %(note)s",
                source=name,
                note=one_line(warning, 300),
            )
        )
    return said


def watched_sentence(health: list[SourceHealth], fmt: Formatter) -> str:
    """Which platforms the posts come from, and which no source of ours can see."""
    kinds = all_kinds()
    posting = {h.platform for h in health if h.platform in kinds
               and not kinds[h.platform].outcomes and not kinds[h.platform].mentions}  # fmt: skip
    names = sorted(fmt._(kinds[name].display_name) for name in posting)
    if len(names) > 1:
        listed = fmt._("%(first)s and %(last)s", first=", ".join(names[:-1]), last=names[-1])
    else:
        listed = names[0] if names else "–"
    return fmt._(
        "The posts beside these figures are those we watch, on %(platforms)s; we cannot watch "
        "%(unseen)s (they show nothing without a login), but visits from social include them.",
        platforms=listed,
        unseen=fmt._(NOT_WATCHED),
    )


def _spend_note(outcomes: Outcomes, fmt: Formatter) -> str:
    now = outcomes.this_week
    if now is None or now.spend is None:
        return fmt._("No spend is stated, so no cost is shown (spend: in the configuration).")
    amount = fmt.money(now.spend, now.spend_currency, 0)
    if now.spend_from == "configuration":
        return fmt._(
            "Spend: %(amount)s a week, from the configuration (a monthly spend × 12 ÷ 52).",
            amount=amount,
        )
    return fmt._("Spend: %(amount)s this week, from the outcome source.", amount=amount)
