"""The executive takeaways: data (kind, companies, numbers, strength) and a sentence per language.

Every threshold of the takeaways lives here. A claim is made only where the data supports it:
enough posts on both sides, no ratio against zero, and a caveat when a company's week is
incomplete (one of its sources failed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from monitor.metrics import CompanyWeek, MetricsSettings, WeekMetrics
from monitor.wording import HEADLINE, TEMPLATES, fill

KINDS = (
    "out_posting",
    "out_engaging_per_post",
    "out_engaging_total",
    "audience_growth",
    "content_works",
    "best_slot",
    "breakout",
    "we_lead",
    "we_did_not_post",
    "incomplete_data",
)
MIN_RATIO = 1.25  # "out-posts us" only from a quarter more; below that it is a draw
MIN_GROWTH_PCT = 0.5  # audience growth worth a sentence
# How much each kind matters to an executive, times how strong the figure is (log2 of a ratio).
RELEVANCE = {
    "we_did_not_post": 100.0,
    "out_engaging_total": 3.0,
    "out_engaging_per_post": 2.8,
    "out_posting": 2.5,
    "we_lead": 2.4,
    "breakout": 2.0,
    "audience_growth": 2.0,
    "content_works": 1.6,
    "best_slot": 1.2,
    "incomplete_data": 1.0,
}
LANGUAGES = ("en", "it")


@dataclass(frozen=True)
class Takeaway:
    kind: str
    companies: tuple[str, ...]
    numbers: dict[str, float] = field(default_factory=dict)  # the figures the sentence uses
    strength: float = 0.0  # for ranking
    words: dict[str, str] = field(default_factory=dict)  # non-numeric slots: media, metric …
    variant: str = ""  # which sentence of the kind ("zero": no ratio against zero)
    incomplete: tuple[str, ...] = ()  # companies of the claim whose week is incomplete

    def sentence(self, language: str) -> str:
        language = language if language in LANGUAGES else "en"
        key = f"{self.kind}:{self.variant}" if self.variant else self.kind
        text = fill(TEMPLATES[key][language], self, language)
        if self.incomplete and self.kind != "incomplete_data":
            text = text[:-1] + fill(TEMPLATES["caveat"][language], self, language)
        return text[0].upper() + text[1:]


# --- finding the takeaways ---------------------------------------------------------------------


def takeaways(metrics: WeekMetrics, settings: MetricsSettings, *, limit: int = 5) -> list[Takeaway]:
    """The strongest supported takeaways, strongest first (at most `limit`; fewer when the
    data supports fewer: an unsupported claim is never made to fill a quota)."""
    us = metrics.us
    if not metrics.has_data or us is None:
        return []
    floor = settings.min_posts_for_claim
    found: list[Takeaway] = []
    if us.posts.value == 0:
        total = sum(c.posts.value or 0 for c in metrics.competitors)
        if total:
            found.append(_make("we_did_not_post", (), {"competitor_posts": total}, 1.0, metrics))
    else:
        found += _comparisons(metrics, us, floor)
    found += _audience(metrics, us)
    found += _content(metrics, floor)
    found += _slot(metrics, floor)
    found += _breakouts(metrics)
    ranked = sorted(found, key=lambda t: -t.strength)[:limit]
    return _with_incomplete_note(metrics, ranked, limit)


def _make(kind, companies, numbers, magnitude, metrics, **extra) -> Takeaway:
    incomplete = {c.company for c in metrics.companies if c.incomplete}
    involved = tuple(c for c in companies if c in incomplete)
    if kind in ("out_posting", "out_engaging_per_post", "out_engaging_total"):
        involved += tuple(c.company for c in metrics.companies if c.is_self and c.incomplete)
    return Takeaway(kind, tuple(companies), {k: float(v) for k, v in numbers.items()},
                    RELEVANCE[kind] * magnitude, incomplete=involved, **extra)  # fmt: skip


def _enough(row: CompanyWeek, floor: int) -> bool:
    return (row.posts.value or 0) >= floor


def _comparisons(metrics: WeekMetrics, us: CompanyWeek, floor: int) -> list[Takeaway]:
    """Who out-posts and out-engages us (the strongest competitor per figure), or where we lead."""
    if not _enough(us, floor):
        return []
    rivals = [c for c in metrics.competitors if _enough(c, floor)]
    found = []
    for kind, figure in (("out_posting", "posts"), ("out_engaging_per_post", "engagement_per_post"),
                         ("out_engaging_total", "engagement")):  # fmt: skip
        ours = getattr(us, figure).value
        known = [
            (getattr(c, figure).value, c) for c in rivals if getattr(c, figure).value is not None
        ]
        if ours is None or not known:
            continue
        theirs, best = max(known, key=lambda pair: pair[0])
        numbers = {"theirs": theirs, "ours": ours}
        if ours == 0 and theirs > 0:  # no ratio against zero: said as it is
            found.append(_make(kind, (best.company,), numbers, 3.0, metrics, variant="zero"))
        elif ours > 0 and theirs / ours >= MIN_RATIO:
            ratio = theirs / ours
            found.append(_make(kind, (best.company,), {**numbers, "ratio": ratio},
                               math.log2(ratio), metrics))  # fmt: skip
        elif ours > 0 and theirs > 0 and ours / theirs >= MIN_RATIO:
            found.append(_make("we_lead", (best.company,), numbers, math.log2(ours / theirs),
                               metrics, words={"metric": figure}))  # fmt: skip
    return found


def _audience(metrics: WeekMetrics, us: CompanyWeek) -> list[Takeaway]:
    known = [c for c in metrics.companies
             if c.follower_change_pct.value is not None and not c.follower_drop]  # fmt: skip
    if not known:
        return []
    best = max(known, key=lambda c: c.follower_change_pct.value)
    growth_pct = best.follower_change_pct.value
    if growth_pct < MIN_GROWTH_PCT:
        return []
    numbers = {"growth_pct": growth_pct, "growth": best.follower_change.value or 0}
    variant = "self" if best.is_self else ""
    if not best.is_self and us.follower_change_pct.value is not None:
        numbers["ours_pct"] = us.follower_change_pct.value
        variant = "us_known"
    return [_make("audience_growth", (best.company,), numbers, math.log2(1 + growth_pct),
                  metrics, variant=variant)]  # fmt: skip


def _content(metrics: WeekMetrics, floor: int) -> list[Takeaway]:
    """The media type with the best engagement per post over every company's posts."""
    pooled: dict[str, list[float]] = {}
    for mix in metrics.content_mix.values():
        for media, (posts, per_post) in mix.items():
            if per_post is not None:
                totals = pooled.setdefault(media, [0.0, 0.0])
                totals[0] += posts
                totals[1] += posts * per_post
    enough = {m: (n, e) for m, (n, e) in pooled.items() if n >= floor}
    if len(enough) < 2:
        return []
    media, (posts, engagement) = max(enough.items(), key=lambda kv: kv[1][1] / kv[1][0])
    other_posts = sum(n for m, (n, _) in enough.items() if m != media)
    others = sum(e for m, (_, e) in enough.items() if m != media) / other_posts
    per_post = engagement / posts
    if others <= 0 or per_post / others < MIN_RATIO:
        return []
    ratio = per_post / others
    numbers = {"per_post": per_post, "others": others, "ratio": ratio, "posts": posts}
    return [_make("content_works", (), numbers, math.log2(ratio), metrics, words={"media": media})]


def _slot(metrics: WeekMetrics, floor: int) -> list[Takeaway]:
    known = {k: v for k, v in metrics.slots.items() if v[1] is not None}
    total_posts = sum(n for n, _ in known.values())
    if not total_posts:
        return []
    average = sum(n * e for n, e in known.values()) / total_posts
    enough = {k: v for k, v in known.items() if v[0] >= floor}
    if not enough or average <= 0:
        return []
    (weekday, hour), (posts, per_post) = max(enough.items(), key=lambda kv: kv[1][1])
    if per_post / average < MIN_RATIO or posts == total_posts:
        return []
    ratio = per_post / average
    numbers = {"per_post": per_post, "average": average, "ratio": ratio, "posts": posts}
    words = {"weekday": str(weekday), "hours": f"{hour:02d}:00–{hour + 4:02d}:00"}
    return [_make("best_slot", (), numbers, math.log2(ratio), metrics, words=words)]


def _breakouts(metrics: WeekMetrics) -> list[Takeaway]:
    found = []
    for post in metrics.breakouts[:2]:
        if not post.median_engagement or post.engagement is None:
            continue
        ratio = post.engagement / post.median_engagement
        numbers = {"engagement": post.engagement, "median": post.median_engagement,
                   "ratio": ratio, "z": post.z_score or 0.0}  # fmt: skip
        found.append(_make("breakout", (post.company,), numbers, math.log2(ratio), metrics))
    return found


def _with_incomplete_note(
    metrics: WeekMetrics, ranked: list[Takeaway], limit: int
) -> list[Takeaway]:
    """Say which companies' figures may be low, unless a shown claim already says so."""
    incomplete = tuple(c.company for c in metrics.companies if c.incomplete)
    said = {name for t in ranked for name in t.incomplete}
    if not incomplete or set(incomplete) <= said:
        return ranked
    note = Takeaway("incomplete_data", incomplete, {}, RELEVANCE["incomplete_data"])
    return [*ranked[: limit - 1], note]


# --- the subject line ----------------------------------------------------------------------------


def headline(metrics: WeekMetrics, language: str) -> str:
    """For the subject, e.g. "Acme +38% engagement; we posted 4 times vs 31"."""
    language = language if language in LANGUAGES else "en"
    table, us = HEADLINE[language], metrics.us
    if not metrics.has_data or us is None:
        return table["empty"]
    parts = []
    moving = [c for c in metrics.competitors if c.engagement.change_pct is not None
              and (c.posts.value or 0) > 1 and (c.posts.previous or 0) > 1]  # fmt: skip
    if moving:
        best = max(moving, key=lambda c: abs(c.engagement.change_pct))
        change = best.engagement.change_pct
        # A subject line reads "+39%", not "+38.7%"; small changes keep their decimal.
        numbers = {"change_pct": float(round(change)) if abs(change) >= 10 else change}
        parts.append(
            fill(table["change"], Takeaway("headline", (best.company,), numbers), language)
        )
    top = max(metrics.competitors, key=lambda c: c.posts.value or 0, default=None)
    if top is not None and top.posts.value:
        numbers = {"ours": us.posts.value or 0, "theirs": top.posts.value}
        key = "silent" if not us.posts.value else "posted"
        parts.append(fill(table[key], Takeaway("headline", (top.company,), numbers), language))
    return "; ".join(parts) or table["empty"]
