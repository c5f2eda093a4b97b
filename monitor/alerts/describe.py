"""The alert settings in one plain paragraph, for `monitor validate` and `monitor status`."""

from __future__ import annotations

from monitor.alerts.send import alert_chats, alert_recipients
from monitor.config import Config
from monitor.config_alerts import ALERT_KINDS
from monitor.units import format_duration

KIND_NAMES = {
    "competitor_breakout": "a competitor's post breaking out",
    "competitor_posting_surge": "a competitor posting far more than usual",
    "own_breakout": "our own post breaking out",
    "source_down": "a source that stops answering",
}


def describe_settings(config: Config) -> list[str]:
    """What is on, when it is quiet, how often at most, and where alerts go."""
    settings = config.alerts
    if settings is None:
        return ["Alerts: off (no alerts section in the configuration)."]
    if not settings.enabled:
        return ["Alerts: off (alerts.enabled is false)."]
    kinds = [KIND_NAMES[k] for k in ALERT_KINDS if settings.kind_enabled(k)]
    if not kinds:
        return ["Alerts: on, but every kind is turned off."]
    quiet = f"quiet {settings.quiet_hours} ({config.report.timezone})"
    limits = [
        f"at most one per company and kind every {format_duration(settings.cooldown)}",
        f"{settings.max_per_week} a week",
        *([quiet] if settings.quiet_hours else []),
    ]
    lines = [f"Alerts: on for {', '.join(kinds)}; {', '.join(limits)}."]
    lines.append(_where(config))
    return lines


def _where(config: Config) -> str:
    recipients = alert_recipients(config)
    chats = alert_chats(config)
    ways = [f"by e-mail to {', '.join(recipients)}"] if recipients else []
    if chats:
        ways.append(f"to chat {', '.join(chats)}")
    if ways:
        return f"Alerts go {' and '.join(ways)}."
    return (
        "Alerts have nowhere to go: no e-mail (email section and recipients) and no chat "
        "channel with `send: [alerts]` is set up."
    )


def has_nowhere_to_go(config: Config) -> bool:
    settings = config.alerts
    reachable = alert_recipients(config) or alert_chats(config)
    return bool(settings and settings.enabled) and not reachable
