"""The executive takeaways: data (kind, companies, numbers, strength) and a sentence per language."""

from __future__ import annotations

from dataclasses import dataclass, field

from monitor.metrics import MetricsSettings, WeekMetrics

KINDS = (
    "out_posting",
    "out_engaging_per_post",
    "out_engaging_total",
    "audience_growth",
    "content_works",
    "best_slot",
    "breakout",
    "we_lead",
    "we_did_not_post",
    "incomplete_data",
)


@dataclass(frozen=True)
class Takeaway:
    kind: str
    companies: tuple[str, ...]
    numbers: dict[str, float] = field(default_factory=dict)  # the figures the sentence uses
    strength: float = 0.0  # for ranking
    words: dict[str, str] = field(default_factory=dict)  # non-numeric slots (media, weekday)

    def sentence(self, language: str) -> str:
        raise NotImplementedError


def takeaways(metrics: WeekMetrics, settings: MetricsSettings, *, limit: int = 5) -> list[Takeaway]:
    raise NotImplementedError


def headline(metrics: WeekMetrics, language: str) -> str:
    raise NotImplementedError
