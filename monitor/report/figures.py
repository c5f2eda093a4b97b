"""The week's figures file (YYYY-Www.json): every figure the digest states, with how it was
computed, so a reader can check the email and a spreadsheet can take it up."""

from __future__ import annotations

import math
from typing import Any

from monitor.export import weekly_rows
from monitor.insights import Argument
from monitor.metrics import WeekMetrics
from monitor.report.render import Digest

DEFINITIONS = {
    "engagement": "likes + replies + reposts + quotes, latest count seen per post; views apart",
    "engagement_per_post": "engagement / posts that show engagement",
    "engagement_rate": "engagement per post / followers at the week's end x 100, over the "
    "platforms that show followers",
    "competitor_average": "mean of the competitors' counts; its ratios follow from those means",
    "share_of_engagement": "a company's engagement / all tracked companies' engagement x 100",
}


def week_figures(metrics: WeekMetrics, argument: Argument, digest: Digest) -> dict[str, Any]:
    language = digest.language
    return _finite(
        {
            "week": metrics.week.label,
            "timezone": metrics.timezone,
            "start": metrics.start.isoformat(),
            "end": metrics.end.isoformat(),
            "language": language,
            "subject": digest.subject,
            "preheader": digest.preheader,
            **argument.figures(language),
            "scoreboard": weekly_rows(metrics),
            "trend": {
                "weeks": [w.label for w in metrics.trend_weeks],
                "posts": metrics.posts_trend,
                "engagement": metrics.engagement_trend,
            },
            "definitions": DEFINITIONS,
        }
    )


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: an unknown figure is null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
