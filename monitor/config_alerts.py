"""The `alerts:` section: what is worth telling between two digests, and how often at most."""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, EmailStr, Field

from monitor.config_types import Duration, Strict

_QUIET = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_quiet_hours(value: str) -> tuple[time, time]:
    """'22:00-07:00' -> (22:00, 07:00); the span may cross midnight."""
    match = _QUIET.match(value)
    if not match:
        raise ValueError("not a span of hours like 22:00-07:00")
    hour_a, minute_a, hour_b, minute_b = (int(part) for part in match.groups())
    if hour_a > 23 or hour_b > 23 or minute_a > 59 or minute_b > 59:
        raise ValueError("hours run from 00:00 to 23:59")
    start, end = time(hour_a, minute_a), time(hour_b, minute_b)
    if start == end:
        raise ValueError("the span is empty: its start and end are the same time")
    return start, end


def _check_quiet_hours(value: str) -> str:
    parse_quiet_hours(value)
    return value.strip()


QuietHours = Annotated[str, AfterValidator(_check_quiet_hours)]


class BreakoutAlert(Strict):
    """A post far above its account's usual engagement (the digest's breakout measure)."""

    enabled: bool = True
    within: Duration = Field(
        timedelta(hours=48), description="Only posts this young (since they were published)"
    )


class PostingSurgeAlert(Strict):
    """A competitor posting far more often than it usually does."""

    enabled: bool = True
    window: Duration = Field(timedelta(hours=24), description="The recent span counted")
    baseline: Duration = Field(
        timedelta(days=28), description="The span before it that sets the usual rate"
    )
    ratio: float = Field(3.0, gt=1, description="How many times the usual rate alerts")
    min_posts: int = Field(4, ge=1, description="Posts needed in the window before it alerts")


class SourceDownAlert(Strict):
    """A source that stopped answering."""

    enabled: bool = True
    after_failures: int = Field(3, ge=1, le=100, description="Failed collections in a row")


class AlertSettings(Strict):
    """Without an `alerts:` section there are no alerts; with one, they are on unless
    `enabled: false`."""

    enabled: bool = True
    competitor_breakout: BreakoutAlert = Field(default_factory=BreakoutAlert)
    competitor_posting_surge: PostingSurgeAlert = Field(default_factory=PostingSurgeAlert)
    own_breakout: BreakoutAlert = Field(default_factory=BreakoutAlert)
    source_down: SourceDownAlert = Field(default_factory=SourceDownAlert)
    cooldown: Duration = Field(
        timedelta(hours=24), description="At most one alert per company and kind in this span"
    )
    quiet_hours: QuietHours | None = Field(
        None, description="No alert in these hours (report.timezone), like 22:00-07:00"
    )
    max_per_week: int = Field(10, ge=1, le=1000, description="Alerts sent per week at most")
    recipients: list[EmailStr] | None = Field(
        None, description="Who gets alerts by e-mail (default: report.recipients)"
    )
    email: bool = Field(True, description="Send alerts by e-mail (when `email` is set up)")

    def kind_enabled(self, kind: AlertKind) -> bool:
        return self.enabled and getattr(self, kind).enabled

    @property
    def quiet(self) -> tuple[time, time] | None:
        return parse_quiet_hours(self.quiet_hours) if self.quiet_hours else None


AlertKind = Literal[
    "competitor_breakout", "competitor_posting_surge", "own_breakout", "source_down"
]
ALERT_KINDS: tuple[str, ...] = AlertKind.__args__  # type: ignore[attr-defined]
