"""An alert's words: its subject and paragraph in the report's language and time zone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from monitor.alerts.model import Alert
from monitor.report.i18n import Formatter
from monitor.wording import LANGUAGES, fill
from monitor.wording.alerts import ALERT_BODIES, ALERT_SUBJECTS, WORDS


@dataclass(frozen=True)
class _Claim:
    """An alert as monitor.wording.fill reads it: its whole numbers and its written words."""

    kind: str
    companies: tuple[str, ...]
    numbers: dict[str, float]
    words: dict[str, str]
    variant: str = ""
    notes: tuple[str, ...] = field(default=())


def compose(alert: Alert, language: str, timezone: str) -> tuple[str, str]:
    """(subject, text): what happened, with its numbers and, for a post, its link."""
    language = language if language in LANGUAGES else "en"
    fmt = Formatter(language)
    claim = _Claim(alert.kind, alert.companies, _whole(alert), _words(alert, fmt, timezone))
    subject = _capital(fill(ALERT_SUBJECTS[alert.kind][language], claim, language))
    paragraph = _capital(fill(ALERT_BODIES[alert.kind][language], claim, language))
    lines = [paragraph]
    if alert.url:
        lines.append(WORDS[language]["link"].format(url=alert.url))
    lines += ["", WORDS[language]["footer"]]
    return subject, "\n".join(lines) + "\n"


def _whole(alert: Alert) -> dict[str, float]:
    """The figures said as whole numbers or ratios (the slot's name says how)."""
    keep = ("engagement", "ratio", "posts", "failures")
    return {name: alert.numbers[name] for name in keep if name in alert.numbers}


def _words(alert: Alert, fmt: Formatter, timezone: str) -> dict[str, str]:
    words = WORDS[fmt.language]
    tz = ZoneInfo(timezone)
    numbers = alert.numbers
    found: dict[str, str] = {}
    if alert.platform:
        found["platform"] = alert.platform  # translated by the wording
    if alert.published_at is not None:
        found["published"] = fmt.day(alert.published_at.astimezone(tz))
    if "age_hours" in numbers:
        found["age"] = span(timedelta(hours=numbers["age_hours"]), fmt.language)
    if "median" in numbers:
        found["median"] = fmt.compact(numbers["median"])
    if "history_days" in numbers:
        found["history"] = span(timedelta(days=numbers["history_days"]), fmt.language)
    if "usual" in numbers:
        found["usual"] = fmt.number(numbers["usual"], 1)
        found["window"] = span(timedelta(hours=numbers["window_hours"]), fmt.language)
        found["baseline"] = span(timedelta(days=numbers["baseline_days"]), fmt.language)
    if "source" in alert.details:
        found["source"] = alert.details["source"]
        from monitor.report.context import failure_reason  # loads pandas: only for outages

        found["reason"] = failure_reason(alert.details["error_kind"], fmt)
        found["detail"] = alert.details["detail"]
        found["last_ok"] = _last_ok(alert.details.get("last_ok_at"), fmt, tz, words)
    return found


def _last_ok(at: str | None, fmt: Formatter, tz: ZoneInfo, words: dict) -> str:
    if not at:
        return words["never_ok"]
    return words["last_ok"].format(when=fmt.day(datetime.fromisoformat(at).astimezone(tz)))


def span(length: timedelta, language: str) -> str:
    """'5 hours', '1 day', '28 days' ('5 ore', '1 giorno'): hours up to three days."""
    words = WORDS[language]
    hours = length.total_seconds() / 3600
    if hours < 1:
        return words["under_an_hour"]
    if hours < 72:
        count, unit = round(hours), "hour"
    else:
        count, unit = round(hours / 24), "day"
    one, many = words[unit]
    return (one if count == 1 else many).format(n=Formatter(language).integer(count))


def _capital(text: str) -> str:
    return text[0].upper() + text[1:] if text else text
