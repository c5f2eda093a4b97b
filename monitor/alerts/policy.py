"""When an alert may go out: quiet hours, the cooldown, the weekly cap. Pure; time is given."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

# An alert held this long (quiet hours, or nothing able to send it) is no longer news.
MAX_WAIT = timedelta(hours=24)


def quiet_until(now: datetime, quiet: tuple[time, time] | None, timezone: str) -> datetime | None:
    """The end of the quiet hours `now` is in (UTC), or None when it is not in them.

    The span is local wall-clock time in `timezone` and may cross midnight (22:00-07:00)."""
    if quiet is None:
        return None
    start, end = quiet
    local = now.astimezone(ZoneInfo(timezone))
    clock = local.timetz().replace(tzinfo=None)
    crosses_midnight = start > end
    inside = (start <= clock or clock < end) if crosses_midnight else start <= clock < end
    if not inside:
        return None
    day = local.date() + timedelta(days=1 if crosses_midnight and clock >= start else 0)
    ends = datetime.combine(day, end, tzinfo=ZoneInfo(timezone))
    return ends.astimezone(UTC)


def week_start(now: datetime, timezone: str) -> datetime:
    """The start of the current ISO week in the report's time zone: the weekly cap's span."""
    from monitor.metrics.weeks import IsoWeek  # the metrics package loads pandas

    return IsoWeek.containing(now, timezone).start(timezone).astimezone(UTC)


def decide(
    *,
    now: datetime,
    detected_at: datetime,
    last_sent: datetime | None,
    cooldown: timedelta,
    sent_this_week: int,
    max_per_week: int,
) -> str:
    """'send', or why not: 'expired' (held too long), 'suppressed' (an alert of the same kind
    about the same company within the cooldown), 'capped' (the week's cap is reached)."""
    if now - detected_at > MAX_WAIT:
        return "expired"
    if last_sent is not None and now - last_sent < cooldown:
        return "suppressed"
    if sent_this_week >= max_per_week:
        return "capped"
    return "send"
