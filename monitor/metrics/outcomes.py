"""What social brought us: our own weekly results (visits from social, sign-ups, orders,
revenue) beside our posts and engagement, and what it cost where a spend is stated.

Pure over the store's rows. Several outcome sources: for each week and figure, the first
source in the configuration's order that gives it counts (never added up: two tools counting
the same visits would count them twice).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC
from typing import TYPE_CHECKING, Protocol

from monitor.kinds import outcome_kinds
from monitor.metrics.model import OwnWeek, WeekMetrics
from monitor.metrics.weeks import IsoWeek
from monitor.store import Rows

if TYPE_CHECKING:
    from monitor.store import Store

RESULTS = ("visits_from_social", "signups", "orders")  # counts; revenue is an amount


class SpendLike(Protocol):
    currency: str

    @property
    def per_week(self) -> float: ...


@dataclass(frozen=True)
class OutcomeWeek:
    """One of our weeks: what we did, what it brought, what it cost. None = not known."""

    week: IsoWeek
    posts: int
    engagement: float | None
    visits_from_social: float | None
    signups: float | None
    orders: float | None
    revenue: float | None
    currency: str | None  # of revenue
    spend: float | None  # None: no spend stated for this week
    spend_currency: str | None
    spend_from: str | None  # "configuration" (spend:) or the outcome source's kind ("csv")

    @property
    def cost_per_visit(self) -> float | None:
        return _per(self.spend, self.visits_from_social)

    @property
    def cost_per_engagement(self) -> float | None:
        return _per(self.spend, self.engagement)

    def value(self, name: str) -> float | None:
        return getattr(self, name)


@dataclass(frozen=True)
class Outcomes:
    """The trend weeks' outcomes (oldest first, ending with the report week)."""

    weeks: list[OutcomeWeek]
    sources: list[tuple[str, str]]  # (kind, target) of each active outcome source
    # (kind, target) -> what the source's last good reading in the report week warned of
    warnings: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def this_week(self) -> OutcomeWeek | None:
        return self.weeks[-1] if self.weeks else None

    @property
    def previous_week(self) -> OutcomeWeek | None:
        return self.weeks[-2] if len(self.weeks) > 1 else None

    @property
    def has_figures(self) -> bool:
        return any(w.value(n) is not None for w in self.weeks for n in (*RESULTS, "revenue"))


def _per(spend: float | None, count: float | None) -> float | None:
    """Spend ÷ count; None without a spend, or with nothing (or nothing known) to divide by."""
    if spend is None or count is None or count <= 0:
        return None
    return spend / count


def outcome_weeks(rows: Rows, own: list[OwnWeek], spend: SpendLike | None) -> Outcomes:
    """Per trend week (`own`, from the metrics), our results and costs."""
    records = [dict(zip(rows.columns, row, strict=True)) for row in rows.rows]
    records = [r for r in records if r["active"] and r["is_self"]]
    sources = list(dict.fromkeys((r["source_kind"], r["target"]) for r in records))
    by_week: dict[str, list[dict]] = {}
    for record in records:  # ordered by week, then source id (the configuration's order)
        by_week.setdefault(record["week"], []).append(record)
    weeks = [_week(ours, by_week.get(ours.week.label, []), spend) for ours in own]
    return Outcomes(weeks, sources)


def _week(ours: OwnWeek, records: list[dict], spend: SpendLike | None) -> OutcomeWeek:
    def first(name: str) -> dict | None:
        return next((r for r in records if r[name] is not None), None)

    figures = {name: _float(first(name), name) for name in (*RESULTS, "revenue")}
    revenue_row = first("revenue")
    stated = first("spend")
    if stated is not None:
        amount, currency = float(stated["spend"]), stated["currency"] or _currency(spend)
        spend_from = stated["source_kind"]
    elif spend is not None:
        amount, currency, spend_from = spend.per_week, spend.currency, "configuration"
    else:
        amount, currency, spend_from = None, None, None
    return OutcomeWeek(
        week=ours.week,
        posts=ours.posts,
        engagement=ours.engagement,
        currency=revenue_row["currency"] if revenue_row else None,
        spend=amount,
        spend_currency=currency,
        spend_from=spend_from,
        **figures,
    )


def _float(record: dict | None, name: str) -> float | None:
    """The figure as stored: visits, sign-ups and orders whole, revenue an amount."""
    if record is None:
        return None
    return int(record[name]) if name in RESULTS else float(record[name])


def _currency(spend: SpendLike | None) -> str | None:
    return spend.currency if spend is not None else None


def load_outcomes(store: Store, metrics: WeekMetrics, spend: SpendLike | None) -> Outcomes | None:
    """The report's outcomes; None when no outcome source is configured (nothing to say)."""
    outcome_sources = [r for r in store.sources() if r.kind in outcome_kinds() and r.is_self]
    if not outcome_sources:
        return None
    found = outcome_weeks(store.read_outcomes(), metrics.own_weeks, spend)
    configured = [(r.kind, r.target) for r in outcome_sources]
    since, until = metrics.start.astimezone(UTC), metrics.end.astimezone(UTC)
    said = store.read_last_warnings([r.id for r in outcome_sources], since, until)
    warnings = {(r.kind, r.target): said[r.id] for r in outcome_sources if r.id in said}
    return Outcomes(found.weeks, configured, warnings)


__all__ = ["OutcomeWeek", "Outcomes", "load_outcomes", "outcome_weeks"]
