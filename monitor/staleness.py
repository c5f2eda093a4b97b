"""Whether a source that answers fine looks frozen: pure, from its publication rhythm.

The rhythm (`Cadence`: the newest publication and the usual gap) is kept with the source,
so an unchanged source is judged without reading its history again.
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from monitor.kinds import all_kinds

# Counters frozen for this many cycles (and at least STALE_MIN_SPAN) look like a frozen mirror.
STALE_UNCHANGED_CYCLES = 24
STALE_MIN_SPAN = timedelta(days=2)
# Nothing published for this many usual gaps (and at least STALE_MIN_SILENCE) looks broken.
STALE_GAP_FACTOR = 5
STALE_MIN_POSTS = 5  # posts needed to know a source's usual gap
STALE_MIN_SILENCE = timedelta(days=7)


@dataclass(frozen=True)
class Cadence:
    """A source's publication rhythm: its newest post, and its usual gap when known."""

    newest: datetime
    usual_gap: timedelta | None  # None with fewer than STALE_MIN_POSTS posts

    @classmethod
    def of(cls, publish_times: list[datetime]) -> Cadence | None:
        times = sorted(set(publish_times), reverse=True)
        if not times:
            return None
        usual = None
        if len(times) >= STALE_MIN_POSTS:
            gaps = [(a - b).total_seconds() for a, b in itertools.pairwise(times)]
            usual = timedelta(seconds=statistics.median(gaps))
        return cls(times[0], usual)

    def to_dict(self) -> dict[str, Any]:
        gap = None if self.usual_gap is None else self.usual_gap.total_seconds()
        return {"newest": self.newest.isoformat(), "usual_gap_s": gap}

    @classmethod
    def from_dict(cls, data: Any) -> Cadence | None:
        """The cadence kept with a source; None when there is none (or it is unreadable)."""
        try:
            gap = data["usual_gap_s"]
            return cls(
                datetime.fromisoformat(data["newest"]),
                None if gap is None else timedelta(seconds=float(gap)),
            )
        except (KeyError, TypeError, ValueError):
            return None


def stale_reason(
    kind: str,
    publish_times: list[datetime],
    *,
    unchanged_cycles: int,
    interval: timedelta,
    now: datetime,
) -> str | None:
    """Why a source that answers fine looks frozen, or None."""
    return judge(
        kind,
        Cadence.of(publish_times),
        unchanged_cycles=unchanged_cycles,
        interval=interval,
        now=now,
    )


def judge(
    kind: str,
    cadence: Cadence | None,
    *,
    unchanged_cycles: int,
    interval: timedelta,
    now: datetime,
) -> str | None:
    """Why a source with this rhythm looks frozen at `now`, or None."""
    if cadence is not None and cadence.usual_gap is not None:
        silence = now - cadence.newest
        if silence > max(cadence.usual_gap * STALE_GAP_FACTOR, STALE_MIN_SILENCE):
            return (
                f"nothing new for {silence.days} days, while it usually publishes every "
                f"{_plain_span(cadence.usual_gap)}; the source may be frozen or broken"
            )
    frozen_for = interval * unchanged_cycles
    if (
        _has_counters(kind)
        and cadence is not None
        and unchanged_cycles >= STALE_UNCHANGED_CYCLES
        and frozen_for >= STALE_MIN_SPAN
    ):
        return (
            f"no post and no like, reply or view count has moved in {unchanged_cycles} "
            f"collections ({_plain_span(frozen_for)}); the source may be frozen"
        )
    return None


def _has_counters(kind: str) -> bool:
    """Whether the kind's posts have counters that move (its declaration says)."""
    declared = all_kinds().get(kind)
    return declared is not None and declared.counters


def _plain_span(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours:.0f} hours" if hours < 48 else f"{hours / 24:.0f} days"
