"""The week's figures file (YYYY-Www.json): every figure the digest states, with how it was
computed, so a reader can check the email and a spreadsheet can take it up."""

from __future__ import annotations

import math
from typing import Any

from monitor.export import outcome_rows, weekly_rows
from monitor.insights import Argument
from monitor.metrics import WeekMetrics
from monitor.metrics.conversation import Conversation
from monitor.metrics.outcomes import Outcomes
from monitor.report.render import Digest

DEFINITIONS = {
    "engagement": "likes + replies + reposts + quotes, latest count seen per post; views apart",
    "engagement_per_post": "engagement / posts that show engagement",
    "engagement_rate": "engagement per post / followers at the week's end x 100, over the "
    "platforms that show followers",
    "competitor_average": "mean of the competitors' counts; its ratios follow from those means",
    "share_of_engagement": "a company's engagement / all tracked companies' engagement x 100",
    "share_of_conversation": "a company's mentions / all tracked companies' mentions x 100, "
    "each mention counted once per company, never the company's own posts",
    "outcomes": "our own results per ISO week from the outcome sources, each figure from the "
    "first source in the configuration that gives it; spend: the spend: setting as a week's "
    "share (a month x 12 / 52) or the CSV's spend column; cost_per_visit = spend / "
    "visits_from_social; cost_per_engagement = spend / engagement",
}


def week_figures(
    metrics: WeekMetrics,
    argument: Argument,
    digest: Digest,
    conversation: Conversation | None = None,
    outcomes: Outcomes | None = None,
) -> dict[str, Any]:
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
            "conversation": _conversation(conversation),
            "outcomes": outcome_rows(outcomes) if outcomes is not None else None,
            "definitions": DEFINITIONS,
        }
    )


def _conversation(conversation: Conversation | None) -> dict[str, Any] | None:
    """The share-of-conversation table, as the digest shows it; None without mention sources."""
    if conversation is None or not conversation.coverage:
        return None
    return {
        "total_mentions": conversation.total,
        "sources": [{"kind": kind, "places": places} for kind, places in conversation.coverage],
        "companies": [
            {
                "company": c.company,
                "is_self": c.is_self,
                "mentions": c.mentions,
                "previous_week": c.previous,
                "change_pct": c.change_pct,
                "share_pct": c.share_pct,
                "by_source": dict(c.by_source),
                "engagement": c.engagement,
            }
            for c in conversation.companies
        ],
    }


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: an unknown figure is null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
