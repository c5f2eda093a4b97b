"""The takeaways after the verdict: what else the week shows, each only where the data supports
it (enough posts on both sides, no ratio against zero, like compared with like, a week that is
mostly one post said so with the figure without it), strongest first."""

from __future__ import annotations

import math

from monitor.insights.claims import Claim
from monitor.insights.conversation import conversation_gap
from monitor.insights.gaps import is_one_post
from monitor.insights.thresholds import (
    MAX_TAKEAWAYS,
    MIN_CHANGE_PCT,
    MIN_GROWTH_PCT,
    MIN_RATIO,
    RELEVANCE,
)
from monitor.metrics import CompanyWeek, WeekMetrics
from monitor.metrics.conversation import Conversation


def takeaways(
    metrics: WeekMetrics,
    floor: int,
    verdict: Claim | None,
    conversation: Conversation | None = None,
) -> list[Claim]:
    us = metrics.us
    if not metrics.has_data or us is None:
        return []
    said = verdict.companies[0] if verdict and verdict.companies else None
    found = []
    if (us.posts.value or 0) >= floor:
        found += _versus(metrics, us, floor, said)
    found += _changes(metrics, floor)
    found += _audience(metrics, us)
    found += _content(metrics, floor)
    found += _breakouts(metrics)
    found += conversation_gap(conversation, floor)
    ranked = sorted(found, key=lambda t: -t.strength)[:MAX_TAKEAWAYS]
    return _with_incomplete_note(metrics, ranked, verdict)


def _make(kind: str, companies: tuple[str, ...], numbers: dict, magnitude: float,
          metrics: WeekMetrics, **extra) -> Claim:  # fmt: skip
    incomplete = tuple(
        c.company for c in metrics.companies if c.incomplete and c.company in companies
    )
    claim = Claim(kind, companies, {k: float(v) for k, v in numbers.items()},
                  RELEVANCE[kind] * magnitude, incomplete=incomplete, **extra)  # fmt: skip
    if incomplete:
        claim = claim.with_note("incomplete", incomplete=", ".join(incomplete))
    return claim


def _versus(metrics: WeekMetrics, us: CompanyWeek, floor: int, said: str | None) -> list[Claim]:
    """Who out-posts us and whose posts out-earn ours, when not the verdict's competitor."""
    rivals = [c for c in metrics.competitors if (c.posts.value or 0) >= floor and c.company != said]
    found = []
    if rivals:
        top = max(rivals, key=lambda c: c.posts.value or 0)
        ratio = (top.posts.value or 0) / (us.posts.value or math.inf)
        if ratio >= MIN_RATIO:
            numbers = {"theirs": top.posts.value, "ours": us.posts.value, "ratio": ratio}
            found.append(_make("out_posting", (top.company,), numbers, math.log2(ratio), metrics))
    ours = us.engagement_per_post.value
    known = [c for c in rivals if c.engagement_per_post.value is not None]
    if known and ours:
        best = max(known, key=lambda c: c.engagement_per_post.value)
        ratio = best.engagement_per_post.value / ours
        if ratio >= MIN_RATIO:
            numbers = {"per_post_theirs": best.engagement_per_post.value, "per_post_ours": ours,
                       "ratio": ratio}  # fmt: skip
            claim = _make(
                "out_engaging_per_post", (best.company,), numbers, math.log2(ratio), metrics
            )
            found.append(_per_post_without_top(metrics, best, claim, ours))
    return found


def _per_post_without_top(
    metrics: WeekMetrics, row: CompanyWeek, claim: Claim, ours: float
) -> Claim:
    share = metrics.top_post_shares.get(row.company)
    posts = row.engaged_posts.value or 0
    if not is_one_post(metrics, row.company) or share is None or posts < 2:
        return claim
    without = (share.week_engagement - share.post_engagement) / (posts - 1) / ours
    numbers = {"top_post": share.post_engagement, "week_total": share.week_engagement,
               "without_ratio": without}  # fmt: skip
    return claim.with_note("one_post", numbers)


def _changes(metrics: WeekMetrics, floor: int) -> list[Claim]:
    """The competitor whose engagement moved most on last week (enough posts both weeks)."""
    moving = [c for c in metrics.competitors if c.engagement.change_pct is not None
              and (c.posts.value or 0) >= floor and (c.posts.previous or 0) >= floor]  # fmt: skip
    if not moving:
        return []
    row = max(moving, key=lambda c: abs(c.engagement.change_pct))
    change = row.engagement.change_pct
    if abs(change) < MIN_CHANGE_PCT:
        return []
    numbers = {"theirs": row.engagement.value, "previous": row.engagement.previous,
               "size_percent": change}  # fmt: skip
    claim = _make("change", (row.company,), numbers, math.log2(1 + abs(change) / 100), metrics,
                  variant="up" if change > 0 else "down")  # fmt: skip
    share = metrics.top_post_shares.get(row.company)
    if is_one_post(metrics, row.company) and share and row.engagement.previous:
        rest = share.week_engagement - share.post_engagement
        without = (rest - row.engagement.previous) / row.engagement.previous * 100
        claim = claim.with_note("one_post_change", {"top_post": share.post_engagement,
                                                    "without_pct": without})  # fmt: skip
        claim = Claim(**{**claim.__dict__, "strength": claim.strength / 2})
    return [claim]


def _audience(metrics: WeekMetrics, us: CompanyWeek) -> list[Claim]:
    known = [c for c in metrics.companies
             if c.follower_change_pct.value is not None and not c.follower_drop]  # fmt: skip
    if not known:
        return []
    best = max(known, key=lambda c: c.follower_change_pct.value)
    growth_pct = best.follower_change_pct.value
    if growth_pct < MIN_GROWTH_PCT:
        return []
    numbers = {"growth_pct": growth_pct, "change": best.follower_change.value or 0}
    variant = "self" if best.is_self else ""
    if not best.is_self and us.follower_change_pct.value is not None:
        numbers["ours_pct"] = us.follower_change_pct.value
        variant = "us_known"
    return [_make("audience_growth", (best.company,), numbers, math.log2(1 + growth_pct),
                  metrics, variant=variant)]  # fmt: skip


def _content(metrics: WeekMetrics, floor: int) -> list[Claim]:
    """Within one platform (the same counters on every post), the media type whose posts earn
    most against that platform's other posts; the strongest platform only."""
    found = []
    for platform in sorted({p for p, _m in metrics.content_by_platform}):
        mix = {m: v for (p, m), v in metrics.content_by_platform.items()
               if p == platform and v[1] is not None and v[0] >= floor}  # fmt: skip
        if len(mix) < 2:
            continue
        media, (posts, per_post) = max(mix.items(), key=lambda kv: kv[1][1])
        other_posts = sum(n for m, (n, _e) in mix.items() if m != media)
        others = sum(n * e for m, (n, e) in mix.items() if m != media) / other_posts
        if others <= 0 or per_post / others < MIN_RATIO:
            continue
        ratio = per_post / others
        numbers = {"per_post": per_post, "per_post_others": others, "ratio": ratio,
                   "posts": posts, "other_posts": other_posts}  # fmt: skip
        found.append(_make("content_works", (), numbers, math.log2(ratio), metrics,
                           words={"media": media, "platform": platform}))  # fmt: skip
    return sorted(found, key=lambda c: -c.strength)[:1]


def _breakouts(metrics: WeekMetrics) -> list[Claim]:
    found = []
    for post in metrics.breakouts[:2]:
        if not post.median_engagement or post.engagement is None:
            continue
        ratio = post.engagement / post.median_engagement
        numbers = {"engagement": post.engagement, "median": post.median_engagement, "ratio": ratio}
        found.append(_make("breakout", (post.company,), numbers, math.log2(ratio), metrics))
    return found


def _with_incomplete_note(
    metrics: WeekMetrics, ranked: list[Claim], verdict: Claim | None
) -> list[Claim]:
    """Say which companies' figures may be low, unless a shown claim already says so."""
    incomplete = tuple(c.company for c in metrics.companies if c.incomplete)
    said = {name for t in [*ranked, *([verdict] if verdict else [])] for name in t.incomplete}
    if not incomplete or set(incomplete) <= said:
        return ranked
    note = Claim("incomplete_data", incomplete, strength=RELEVANCE["incomplete_data"])
    return [*ranked[: MAX_TAKEAWAYS - 1], note]
