"""The weekly digest: charts, email-safe HTML and text in the report's language, the archive.

`make_digest` is the one call the command line and the scheduler need.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from typing import TYPE_CHECKING

from monitor import insights
from monitor.coverage import Coverage, assess
from monitor.metrics import IsoWeek, MetricsSettings, WeekMetrics, load_and_compute
from monitor.report.archive import ArchivePaths, write_archive
from monitor.report.render import Digest, build_message, render_digest

if TYPE_CHECKING:
    from monitor.config import Config

__all__ = [
    "ArchivePaths",
    "Digest",
    "build_message",
    "make_digest",
    "render_digest",
    "write_archive",
]
PLACEHOLDER_SENDER = "monitor@localhost"  # without email settings the outbox is the delivery


def make_digest(
    store,
    config: Config,
    week: IsoWeek,
    now: datetime,
    *,
    metrics: WeekMetrics | None = None,
    coverage: Coverage | None = None,
) -> tuple[Digest, EmailMessage, ArchivePaths]:
    """Measure the week (unless its `metrics` are given), write its takeaways, render it
    (with the caveat of a partial or thin week: `coverage`), build the message, archive it."""
    report = config.report
    settings = MetricsSettings.from_report(report)
    metrics = metrics or load_and_compute(store, week, settings, as_of=now)
    digest = render_digest(
        metrics,
        insights.takeaways(metrics, settings),
        language=report.language,
        top_posts=report.top_posts,
        generated_at=now,
        coverage=coverage if coverage is not None else assess(metrics, now),
    )
    email = config.email
    message = build_message(
        digest,
        sender=email.from_ if email else PLACEHOLDER_SENDER,
        recipients=list(report.recipients),
        reply_to=email.reply_to if email else None,
        list_unsubscribe=email.list_unsubscribe if email else None,
        date=now,
    )
    sent = any(
        d.week == week.label and d.status in ("sent", "partial", "sending")
        for d in store.deliveries()
    )
    paths = write_archive(digest, report.outbox, week.label, message, keep_sent_eml=sent)
    return digest, message, paths
