"""Finding what is worth an alert now: reads the store, measures with monitor.metrics."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

import pandas as pd

from monitor.alerts.model import Alert
from monitor.config import Config
from monitor.config_alerts import AlertSettings
from monitor.metrics import MetricsSettings, PostSummary
from monitor.metrics.compute import BREAKOUT_HISTORY
from monitor.metrics.frames import posts_frame
from monitor.metrics.recent import PostingSurge, posting_surges, read_span, young_breakouts
from monitor.store import SourceRecord, Store


def detect(
    config: Config, store: Store, now: datetime, companies: Collection[str] | None = None
) -> list[Alert]:
    """Every alert the enabled kinds find now, for `companies` (default: all)."""
    settings = config.alerts
    if settings is None or not settings.enabled:
        return []
    names = [c.name for c in config.companies if companies is None or c.name in companies]
    found: list[Alert] = []
    if any(settings.kind_enabled(k) for k in _POST_KINDS):
        posts = _recent_posts(config, store, now, names, settings)
        found += _breakout_alerts(config, posts, now, settings)
        if settings.kind_enabled("competitor_posting_surge"):
            found += [_surge_alert(s, now) for s in _surges(posts, now, settings)]
    if settings.kind_enabled("source_down"):
        limit = settings.source_down.after_failures
        found += [
            _down_alert(record)
            for record in store.sources()
            if record.company in names and record.consecutive_failures >= limit
        ]
    return found


_POST_KINDS = ("competitor_breakout", "own_breakout", "competitor_posting_surge")
# read_posts gives each post its company and platform: no source table is needed for them.
_OWNERS_GIVEN = pd.DataFrame(columns=["source_id", "company", "is_self", "platform"])


def _recent_posts(
    config: Config, store: Store, now: datetime, names: list[str], settings: AlertSettings
) -> pd.DataFrame:
    young_for = max(settings.competitor_breakout.within, settings.own_breakout.within)
    since = now - read_span(now, young_for, settings.competitor_posting_surge.baseline)
    rows = store.read_posts(since, now + timedelta(seconds=1), companies=names)
    posts = posts_frame(rows, pd.Index(names), _OWNERS_GIVEN)
    posts["engagement_rate"] = float("nan")  # per follower: not what an alert says
    return posts


def _breakout_alerts(
    config: Config, posts: pd.DataFrame, now: datetime, settings: AlertSettings
) -> list[Alert]:
    measure = MetricsSettings.from_report(config.report)
    us = config.organization.name
    found = []
    for kind, own in (("competitor_breakout", False), ("own_breakout", True)):
        if not settings.kind_enabled(kind):
            continue
        within = getattr(settings, kind).within
        for post in young_breakouts(posts, now, within, measure):
            if (post.company == us) == own and post.median_engagement and post.engagement:
                found.append(_breakout_alert(kind, post, now))
    return found


def _breakout_alert(kind: str, post: PostSummary, now: datetime) -> Alert:
    assert post.engagement is not None and post.median_engagement
    ratio = post.engagement / post.median_engagement
    identity = f"{kind}:post:{post.post_id}"
    age_h = max((now - post.published_at).total_seconds() / 3600, 0.0)
    numbers = {
        "engagement": post.engagement,
        "median": post.median_engagement,
        "ratio": ratio,
        "z_score": round(post.z_score or 0.0, 2),
        "age_hours": round(age_h, 1),
        "history_days": BREAKOUT_HISTORY.days,
    }
    return Alert(kind, identity, post.company, numbers, post.url, post.platform, post.published_at)


def _surges(posts: pd.DataFrame, now: datetime, settings: AlertSettings) -> list[PostingSurge]:
    surge = settings.competitor_posting_surge
    return posting_surges(
        posts, now, window=surge.window, baseline=surge.baseline, ratio=surge.ratio,
        min_posts=surge.min_posts,
    )  # fmt: skip


def _surge_alert(surge: PostingSurge, now: datetime) -> Alert:
    # One surge a company a window: found again in the next cycles, it is the same surge.
    slot = int(now.timestamp() // surge.window.total_seconds())
    numbers = {
        "posts": surge.posts,
        "usual": surge.usual,
        "ratio": surge.ratio,
        "window_hours": surge.window.total_seconds() / 3600,
        "baseline_days": surge.baseline.total_seconds() / 86400,
    }
    return Alert("competitor_posting_surge", f"surge:{surge.company}:{slot}", surge.company,
                 numbers)  # fmt: skip


def _down_alert(record: SourceRecord) -> Alert:
    """One alert an outage: the streak of failures since the source's last good reading."""
    since = record.last_ok_at.isoformat() if record.last_ok_at else "never"
    details = {
        "source": record.label or record.target,
        "error_kind": record.last_error_kind or "",
        "detail": record.last_error_message or "",
        "last_ok_at": record.last_ok_at.isoformat() if record.last_ok_at else "",
    }
    return Alert(
        "source_down",
        f"source_down:{record.id}:{since}",
        record.company,
        {"failures": record.consecutive_failures},
        platform=record.kind,
        details=details,
    )
