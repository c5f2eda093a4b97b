"""Metrics: pure functions over the store's rows (pandas inside, plain data out).

Definitions: the README's "Metrics, takeaways and export". The contract: the dataclasses in `model`.
"""

from monitor.metrics.compute import compute_week, load_and_compute, window_for
from monitor.metrics.model import (
    CompanyWeek,
    Figure,
    MetricsSettings,
    OwnWeek,
    PostSummary,
    SourceHealth,
    TopPostShare,
    WeekMetrics,
)
from monitor.metrics.weeks import IsoWeek

__all__ = [
    "CompanyWeek",
    "Figure",
    "IsoWeek",
    "MetricsSettings",
    "OwnWeek",
    "PostSummary",
    "SourceHealth",
    "TopPostShare",
    "WeekMetrics",
    "compute_week",
    "load_and_compute",
    "window_for",
]
