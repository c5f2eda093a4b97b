"""Whether a week's digest may go to the recipients as the week: pure decisions, no I/O.

A digest is only as good as what was read. A week is *thin* when our own organisation was
not read at all, or when fewer than half of the sources were read at least once: such a
digest is held for the operator, not sent as if it were normal. A week that has not ended
is *partial* and one that has not begun is *future*: neither is ever sent as the week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from monitor.errors import ConfigError
from monitor.kinds import outcome_kinds

if TYPE_CHECKING:  # the decisions need no pandas
    from monitor.metrics import SourceHealth, WeekMetrics

# Under this share of the sources read at least once, the week is too thin to send.
MIN_SHARE_READ = 0.5


@dataclass(frozen=True)
class Coverage:
    """What was read in a week, and what that allows. Plain data; the report words it."""

    week: str  # "2026-W47"
    sources: int  # active sources
    sources_read: int  # read successfully at least once in the week
    us_read: bool  # at least one of our own sources read in the week
    partial: bool  # the week has not ended yet at `now`
    future: bool  # the week has not begun at `now`

    @property
    def thin(self) -> bool:
        """Too little was read for the figures to stand for the week."""
        return not self.us_read or self.sources_read < self.sources * MIN_SHARE_READ

    @property
    def sendable(self) -> bool:
        """May go to the recipients as the week's digest without `--force`."""
        return not (self.thin or self.partial or self.future)

    def reasons(self) -> list[str]:
        """Why it is held, in plain English, for the log, `monitor status` and the operator."""
        said = []
        if self.future:
            said.append(f"week {self.week} has not begun yet")
        elif self.partial:
            said.append(f"week {self.week} is not over yet (a partial week)")
        if not self.us_read:
            said.append("none of our own organisation's sources was read this week")
        if self.sources_read < self.sources * MIN_SHARE_READ:
            said.append(
                f"only {self.sources_read} of {self.sources} sources were read at least once"
            )
        return said


def assess(metrics: WeekMetrics, now: datetime) -> Coverage:
    """The coverage of the week `metrics` measures, as it stands at `now`."""
    outcomes = outcome_kinds()  # our visits and sign-ups say nothing of what was read of posts
    health: list[SourceHealth] = [h for h in metrics.health if h.platform not in outcomes]
    return Coverage(
        week=metrics.week.label,
        sources=len(health),
        sources_read=sum(1 for h in health if h.reads > 0),
        us_read=any(h.reads > 0 for h in health if h.is_self),
        partial=now < metrics.end,
        future=now < metrics.start,
    )


def refuse_unfinished(coverage: Coverage, force: bool) -> None:
    """A week not begun is never sent; one not over only on purpose (`--force`)."""
    if coverage.future:
        raise ConfigError(f"week {coverage.week} has not begun yet: there is nothing to send")
    if coverage.partial and not force:
        raise ConfigError(
            f"week {coverage.week} is not over yet: its digest is sent once the week has ended "
            "(--force sends what there is so far, marked as a partial week, without recording "
            "it as the week's digest)"
        )
