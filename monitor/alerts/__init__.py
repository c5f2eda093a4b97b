"""Alerts between digests: after each collection, what is worth telling now, told once.

detect (store + metrics) -> compose (words) -> record (the store: once) -> release (quiet
hours, cooldown, weekly cap) -> send (e-mail, chat). `monitor collect` and `monitor run`
call `check_alerts` after a cycle; nothing else does.
"""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Callable, Collection
from datetime import datetime, timedelta

from monitor.alerts.compose import compose
from monitor.alerts.model import Alert, AlertReport, Told
from monitor.alerts.policy import decide, quiet_until, week_start
from monitor.alerts.send import send_alert
from monitor.config import Config
from monitor.store import Store
from monitor.store.alerts import AlertRecord

log = logging.getLogger("monitor.alerts")
# An alert still `sending` this long after it was taken was left by a program that stopped
# (an e-mail and a chat post with their retries take minutes at most).
ABANDONED_AFTER = timedelta(hours=1)
# An alert that no channel took (the mail server down, the chat refusing) is tried again at
# the first check this long after, until it is too old to be news (policy.MAX_WAIT). Not at
# every check: a job checks after each collection, and each try waits out its own retries.
RETRY_AFTER = timedelta(minutes=15)

__all__ = ["Alert", "AlertReport", "Told", "check_alerts"]


def check_alerts(
    config: Config,
    store: Store,
    now: datetime,
    *,
    companies: Collection[str] | None = None,
    sleep: Callable[[float], object] = time.sleep,
    ssl_context: ssl.SSLContext | None = None,
) -> AlertReport:
    """Find the alerts of `companies` (default: all), record the new ones, and send what
    may go out now (with the alerts held earlier). Nothing at all when alerts are off."""
    settings = config.alerts
    if settings is None or not settings.enabled:
        return AlertReport()
    from monitor.alerts.detect import detect  # pandas: half a second, only when alerts are on

    for alert in detect(config, store, now, companies):
        _record(alert, config, store, now)
    return _release(config, store, now, sleep=sleep, ssl_context=ssl_context)


def _record(alert: Alert, config: Config, store: Store, now: datetime) -> None:
    if store.known_alert(alert.identity):
        return  # told, held or decided before: never twice
    subject, body = compose(alert, config.report.language, config.report.timezone)
    store.add_alert(identity=alert.identity, kind=alert.kind, company=alert.company,
                    subject=subject, body=body, url=alert.url, numbers=alert.numbers,
                    now=now)  # fmt: skip


def _release(
    config: Config,
    store: Store,
    now: datetime,
    *,
    sleep: Callable[[float], object],
    ssl_context: ssl.SSLContext | None,
) -> AlertReport:
    settings = config.alerts
    assert settings is not None
    store.give_up_abandoned_alerts(now - ABANDONED_AFTER, now)
    waiting = store.pending_alerts()
    quiet_end = quiet_until(now, settings.quiet, config.report.timezone)
    if quiet_end is not None:
        note = f"until {quiet_end:%Y-%m-%d %H:%M} UTC"
        return AlertReport(tuple(_told(a, "pending", note) for a in waiting))
    told = []
    since = week_start(now, config.report.timezone)
    for alert in waiting:
        if alert.error and now - alert.updated_at < RETRY_AFTER:
            continue  # its last try failed a moment ago: a later check tries again
        verdict = decide(
            now=now, detected_at=alert.detected_at,
            last_sent=store.last_alert_sent(alert.company, alert.kind),
            cooldown=settings.cooldown, sent_this_week=store.alerts_sent_since(since),
            max_per_week=settings.max_per_week,
        )  # fmt: skip
        if verdict != "send":
            store.finish_alert(alert.id, verdict, now, error=alert.error)  # why it never went
            told.append(_told(alert, verdict))
        elif store.claim_alert(alert.id, now):
            told.append(_send(alert, config, store, now, sleep, ssl_context))
    for item in told:
        log.log(logging.WARNING if item.status == "failed" else logging.INFO, item.describe())
    return AlertReport(tuple(told))


def _send(
    alert: AlertRecord,
    config: Config,
    store: Store,
    now: datetime,
    sleep: Callable[[float], object],
    ssl_context: ssl.SSLContext | None,
) -> Told:
    sent = send_alert(alert, config, store, now, sleep=sleep, ssl_context=ssl_context)
    channels = ", ".join(sent.channels) or None
    error = "; ".join(sent.errors) or None
    # No channel took it: pending again, with why, for a later check (never lost to one outage)
    stored = "pending" if sent.status == "failed" else sent.status
    store.finish_alert(alert.id, stored, now, channels=channels, error=error)
    note = "; ".join(filter(None, [f"to {channels}" if channels else None, error]))
    return _told(alert, sent.status, note)


def _told(alert: AlertRecord, status: str, note: str = "") -> Told:
    return Told(alert.kind, alert.company, alert.subject, status, note)
