"""What it brought us: our own results this week and their change, how they moved with how
much we posted over the trend weeks (with a one-week lag tried), and what it cost.

Observations, not causes: each side of a comparison needs MIN_OUTCOME_WEEKS weeks with the
figure, no ratio is taken against zero, and the lag is said only when it fits better by
LAG_MARGIN. A cost is said only for weeks with a stated spend.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from statistics import fmean

from monitor.insights.claims import Claim
from monitor.insights.thresholds import COST_SPAN, LAG_MARGIN, MIN_OUTCOME_WEEKS
from monitor.metrics.outcomes import RESULTS, Outcomes, OutcomeWeek


@dataclass(frozen=True)
class Split:
    """Our weeks split by how much we posted: the outcome's mean on each side."""

    threshold: int
    high: list[float]
    low: list[float]

    @property
    def fair(self) -> bool:
        """Enough weeks on both sides, and nothing to divide by zero."""
        enough = min(len(self.high), len(self.low)) >= MIN_OUTCOME_WEEKS
        return enough and fmean(self.low) > 0

    @property
    def ratio(self) -> float:
        return fmean(self.high) / fmean(self.low)

    def numbers(self) -> dict[str, float]:
        return {"threshold": self.threshold, "per_week_high": fmean(self.high),
                "per_week_low": fmean(self.low), "high_weeks": len(self.high),
                "low_weeks": len(self.low), "ratio": self.ratio}  # fmt: skip


def what_it_brought(outcomes: Outcomes) -> list[Claim]:
    """This week's figures, the observation over the trend weeks, then the costs."""
    return [*this_week(outcomes), observation(outcomes), *costs(outcomes)]


def this_week(outcomes: Outcomes) -> list[Claim]:
    now, before = outcomes.this_week, outcomes.previous_week
    if now is None:
        return []
    claims = []
    for name in (*RESULTS, "revenue"):
        value = now.value(name)
        if value is None:
            continue
        previous = before.value(name) if before else None
        words = {"currency": now.currency or ""} if name == "revenue" else {}
        claims.append(_change(name, value, previous, words))
    return claims or [Claim("brought", variant="no_week")]


def _change(name: str, value: float, previous: float | None, words: dict[str, str]) -> Claim:
    key = "money" if name == "revenue" else "count"
    numbers: dict[str, float] = {key: value}
    if previous is None:
        return Claim(f"brought_{name}", numbers=numbers, words=words, variant="alone")
    if previous == 0:  # no ratio against zero
        return Claim(f"brought_{name}", numbers=numbers, words=words, variant="from_none")
    if value == previous:  # said in words: "0.0% on last week" reads like a figure missing
        return Claim(f"brought_{name}", numbers=numbers, words=words, variant="unchanged")
    numbers |= {f"previous_{key}": previous, "change_pct": (value - previous) / previous * 100}
    return Claim(f"brought_{name}", numbers=numbers, words=words, variant="change")


def split(pairs: list[tuple[int, float]], threshold: int) -> Split:
    return Split(
        threshold, [o for p, o in pairs if p >= threshold], [o for p, o in pairs if p < threshold]
    )


def observation(outcomes: Outcomes) -> Claim:
    """Our busier weeks against our quieter ones, for the first result with enough weeks."""
    weeks = outcomes.weeks
    for name in RESULTS:
        same = [(w.posts, w.value(name)) for w in weeks if w.value(name) is not None]
        lagged = [
            (w.posts, after.value(name))
            for w, after in pairwise(weeks)
            if after.value(name) is not None
        ]
        chosen = _balanced(same)
        if chosen is None:
            continue
        numbers = chosen.numbers()
        later = split(lagged, chosen.threshold)
        if later.fair and later.ratio >= chosen.ratio * LAG_MARGIN:
            numbers = later.numbers() | {
                "same_ratio": chosen.ratio,
                "lag_ratio": later.ratio,
                "same_difference_pct": (chosen.ratio - 1) * 100,
                "lag_difference_pct": (later.ratio - 1) * 100,
            }
            return Claim("observed", numbers=numbers, words={"measure": name}, variant="lag")
        return Claim("observed", numbers=numbers, words={"measure": name}, variant="same")
    return Claim("observed", numbers={"min_weeks": MIN_OUTCOME_WEEKS}, variant="none")


def _balanced(pairs: list[tuple[int, float]]) -> Split | None:
    """The split by posts where both sides are most even, if it is a fair one."""
    candidates = [split(pairs, t) for t in sorted({p for p, _o in pairs})[1:]]
    fair = [c for c in candidates if c.fair]
    if not fair:
        return None
    return min(fair, key=lambda c: (abs(len(c.high) - len(c.low)), c.threshold))


def costs(outcomes: Outcomes) -> list[Claim]:
    """Cost per visit and per engagement this week, and cost per visit over the trend weeks;
    nothing at all without a stated spend."""
    now = outcomes.this_week
    if now is None or now.spend is None:
        return []
    words = {"currency": now.spend_currency or ""}
    claims = []
    if now.cost_per_visit is not None:
        numbers = {"cost_money": now.cost_per_visit, "spend_amount": now.spend,
                   "visits": now.visits_from_social or 0}  # fmt: skip
        claims.append(Claim("cost", numbers=numbers, words=words, variant="per_visit"))
    if now.cost_per_engagement is not None:
        numbers = {"cost_money": now.cost_per_engagement, "spend_amount": now.spend,
                   "engagement": now.engagement or 0}  # fmt: skip
        claims.append(Claim("cost", numbers=numbers, words=words, variant="per_engagement"))
    if trend := _cost_trend(outcomes.weeks, words):
        claims.append(trend)
    return claims


def _cost_trend(weeks: list[OutcomeWeek], words: dict[str, str]) -> Claim | None:
    """Spend ÷ visits over the first COST_SPAN weeks against the last COST_SPAN."""
    known = [w for w in weeks if w.spend is not None and w.visits_from_social]
    if len(known) < 2 * COST_SPAN or len({w.spend_currency for w in known}) > 1:
        return None
    first, last = known[:COST_SPAN], known[-COST_SPAN:]

    def per_visit(side: list[OutcomeWeek]) -> float:
        return sum(w.spend or 0.0 for w in side) / sum(w.visits_from_social or 0.0 for w in side)

    numbers = {"first_money": per_visit(first), "last_money": per_visit(last),
               "span": COST_SPAN, "weeks": len(known)}  # fmt: skip
    return Claim("cost", numbers=numbers, words=words, variant="trend")
