"""Northwind's weekly results as a spreadsheet published as CSV: semicolons between cells and
Italian numbers ("1.840", "1.234,50"), as an Italian team's spreadsheet exports them."""

from __future__ import annotations

from datetime import datetime

from monitor.demo.formats import Reply
from monitor.demo.outcomes import northwind_weeks
from monitor.demo.world import World


def italian(value: float, decimals: int = 0) -> str:
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def render_outcomes(world: World, now: datetime) -> Reply:
    lines = ["Week;Visits from social;Signups;Orders;Revenue"]
    for week in northwind_weeks(world, now):
        lines.append(
            f"{week.label};{italian(week.visits_from_social)};{week.signups};{week.orders};"
            f"{italian(week.revenue, 2)}"
        )
    body = ("\r\n".join(lines) + "\r\n").encode("utf-8")
    return Reply(200, "text/csv; charset=utf-8", body)
