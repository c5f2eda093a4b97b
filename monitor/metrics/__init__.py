"""Metrics: pure functions over the store's rows (pandas inside, plain data out).

Definitions: docs/readme/metrics-export.md. The contract: the dataclasses in `model`.
"""

from monitor.metrics.compute import compute_week, load_and_compute, window_for
from monitor.metrics.model import (
    CompanyWeek,
    Figure,
    MetricsSettings,
    PostSummary,
    SourceHealth,
    WeekMetrics,
)
from monitor.metrics.weeks import IsoWeek

__all__ = [
    "CompanyWeek",
    "Figure",
    "IsoWeek",
    "MetricsSettings",
    "PostSummary",
    "SourceHealth",
    "WeekMetrics",
    "compute_week",
    "load_and_compute",
    "window_for",
]
