"""What the alerts pass between their stages: plain, frozen data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Alert:
    """One thing worth telling now. `identity` says what it is about: the same post, surge
    or outage found again has the same identity, so it is told once."""

    kind: str  # one of monitor.config_alerts.ALERT_KINDS
    identity: str
    company: str
    numbers: dict[str, float]  # the figures it states, in their units
    url: str | None = None
    platform: str | None = None
    published_at: datetime | None = None  # a post's; None for surges and outages
    details: dict[str, str] = field(default_factory=dict)  # source, reason, last good reading

    # The wording's Sayable protocol (monitor/wording): the company is its only name.
    @property
    def companies(self) -> tuple[str, ...]:
        return (self.company,)


@dataclass(frozen=True)
class Told:
    """What became of one alert in a check: sent, held for quiet hours, or held back."""

    kind: str
    company: str
    subject: str
    status: str  # sent | pending | suppressed | capped | expired | failed | unsent
    note: str = ""  # why, in a few words, or where it went

    def describe(self) -> str:
        said = {
            "sent": "sent",
            "pending": "held for quiet hours",
            "suppressed": "not sent (cooldown)",
            "capped": "not sent (weekly cap reached)",
            "expired": "not sent (waited too long)",
            "failed": "not sent yet (tried again later)",
            "unsent": "not sent (no e-mail or chat set up for alerts)",
        }[self.status]
        return f"Alert {said}: {self.subject}" + (f" ({self.note})" if self.note else "")


@dataclass(frozen=True)
class AlertReport:
    """Every alert a check handled."""

    told: tuple[Told, ...] = ()

    @property
    def failed(self) -> int:
        return sum(t.status == "failed" for t in self.told)
