"""Our own evidence: how our weekly engagement moved with what we did over the trend weeks
(more posts, video, a platform we started), and the long view of our gap to the leader.

Observations, not promises: each comparison needs MIN_EVIDENCE_WEEKS weeks on both sides.
"""

from __future__ import annotations

from statistics import fmean

from monitor.insights.claims import Claim
from monitor.insights.thresholds import LONG_VIEW_SPAN, MIN_EVIDENCE_WEEKS, SAME
from monitor.metrics import OwnWeek, WeekMetrics


def own_evidence(metrics: WeekMetrics) -> list[Claim]:
    """What our own history shows; a single "not enough history yet" when it shows nothing."""
    weeks = [w for w in metrics.own_weeks if w.engagement is not None]
    found = [c for c in (_volume(weeks), _video(weeks), _platform(metrics.own_weeks)) if c]
    return found or [Claim("evidence", numbers={"min_weeks": MIN_EVIDENCE_WEEKS}, variant="none")]


def _split(variant: str, high: list[OwnWeek], low: list[OwnWeek], **numbers: float) -> Claim | None:
    if len(high) < MIN_EVIDENCE_WEEKS or len(low) < MIN_EVIDENCE_WEEKS:
        return None
    high_mean = fmean(w.engagement or 0.0 for w in high)
    low_mean = fmean(w.engagement or 0.0 for w in low)
    if low_mean <= 0:
        return None
    figures = {"high_weeks": len(high), "low_weeks": len(low), "per_week_high": high_mean,
               "per_week_low": low_mean, "ratio": high_mean / low_mean, **numbers}  # fmt: skip
    return Claim("evidence", numbers=figures, variant=variant)


def _volume(weeks: list[OwnWeek]) -> Claim | None:
    """Our busier weeks against our quieter ones, split where both sides are most even."""
    counts = sorted({w.posts for w in weeks})
    splits = []
    for threshold in counts[1:]:
        high = [w for w in weeks if w.posts >= threshold]
        low = [w for w in weeks if w.posts < threshold]
        splits.append((abs(len(high) - len(low)), threshold, high, low))
    if not splits:
        return None
    _balance, threshold, high, low = min(splits, key=lambda s: (s[0], s[1]))
    return _split("volume", high, low, threshold=threshold)


def _video(weeks: list[OwnWeek]) -> Claim | None:
    return _split(
        "video", [w for w in weeks if w.video_posts], [w for w in weeks if not w.video_posts]
    )


def _platform(weeks: list[OwnWeek]) -> Claim | None:
    """A platform we began posting on inside the trend weeks: the weeks since, the weeks before."""
    for platform in sorted({p for w in weeks for p in w.posts_by_platform}):
        first = next(i for i, w in enumerate(weeks) if w.posts_by_platform.get(platform))
        before = [w for w in weeks[:first] if w.engagement is not None]
        since = [w for w in weeks[first:] if w.engagement is not None]
        claim = _split("platform", since, before)
        if claim:
            return Claim(**{**claim.__dict__, "words": {"platform": platform}})
    return None


def long_view(metrics: WeekMetrics) -> Claim:
    """Our share of engagement and our gap to each week's leader: the first weeks against the
    last, each side's engagement added up over its weeks (one big week does not swing it)."""
    span, weekly = LONG_VIEW_SPAN, _weekly_standing(metrics)
    first, last = weekly[:span], weekly[-span:]
    if len(weekly) < 2 * span or any(ours is None for ours, _l, _t in first + last):
        return Claim("long", numbers={"min_weeks": 2 * span}, variant="none")

    def standing(weeks):  # (our share in %, the leader over us)
        ours = sum(o for o, _l, _t in weeks)
        return ours / sum(t for _o, _l, t in weeks) * 100, sum(
            lead for _o, lead, _t in weeks
        ) / ours

    (first_share, first_ratio), (last_share, last_ratio) = standing(first), standing(last)
    trend = "widening" if last_ratio > first_ratio * SAME else (
        "closing" if last_ratio < first_ratio / SAME else "steady")  # fmt: skip
    numbers = {"weeks": len(weekly), "span": span, "first_share": first_share,
               "last_share": last_share, "first_ratio": first_ratio,
               "last_ratio": last_ratio}  # fmt: skip
    return Claim("long", numbers=numbers, variant=trend)


def _weekly_standing(metrics: WeekMetrics) -> list[tuple[float | None, float, float]]:
    """Each trend week: our engagement (None where 0 or unknown), the leader's, everyone's."""
    us = metrics.us
    if us is None:
        return []
    result = []
    for index, ours in enumerate(metrics.engagement_trend.get(us.company, [])):
        theirs = [s[index] for c, s in metrics.engagement_trend.items()
                  if c != us.company and s[index] is not None]  # fmt: skip
        top = max(theirs, default=0.0)
        result.append((ours if ours and top else None, top, (ours or 0.0) + sum(theirs)))
    return result
