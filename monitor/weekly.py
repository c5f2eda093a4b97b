"""The week's digest, one way: measure -> interpret -> render -> compose -> archive -> deliver.

Each stage takes and returns plain data. `monitor report`, `monitor run` and `monitor demo`
all call `run_week`; nothing else strings the stages together.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import TYPE_CHECKING

from monitor.deliver import DeliveryResult, send_digest, send_test, write_outbox
from monitor.insights import Argument, interpret
from monitor.metrics import IsoWeek, MetricsSettings, WeekMetrics, load_and_compute
from monitor.report.archive import ArchivePaths, write_archive
from monitor.report.figures import week_figures
from monitor.report.mime import compose_message
from monitor.report.render import Digest, render_digest

if TYPE_CHECKING:
    from monitor.config import Config
    from monitor.store import Store


@dataclass(frozen=True)
class WeekResult:
    metrics: WeekMetrics
    argument: Argument
    digest: Digest
    message: EmailMessage  # the content, without envelope headers
    paths: ArchivePaths
    delivery: DeliveryResult | None  # None: written to the outbox, not sent


def run_week(
    store: Store,
    config: Config,
    week: IsoWeek,
    now: datetime,
    *,
    send: bool = False,
    force: bool = False,
    test_to: str | None = None,
    metrics: WeekMetrics | None = None,
    ssl_context: ssl.SSLContext | None = None,
    sleep: Callable[[float], object] = time.sleep,
) -> WeekResult:
    """Make the week's digest and archive it; send it (once) when `send`, or a test copy to
    `test_to`. `metrics`: figures the caller already measured for this week."""
    report = config.report
    settings = MetricsSettings.from_report(report)
    metrics = metrics or load_and_compute(store, week, settings)
    argument = interpret(metrics, settings)
    digest = render_digest(
        metrics, argument, language=report.language, top_posts=report.top_posts, generated_at=now
    )
    message = compose_message(digest)
    figures = week_figures(metrics, argument, digest)
    paths = write_archive(digest, report.outbox, week.label, figures)
    recipients = list(report.recipients)
    if test_to:
        delivery = send_test(message, to=test_to, settings=config.email, now=now, week=week.label,
                             sleep=sleep, ssl_context=ssl_context)  # fmt: skip
    elif send:
        delivery = send_digest(message, week=week.label, recipients=recipients,
                               settings=config.email, store=store, eml_path=paths.eml, now=now,
                               force=force, sleep=sleep, ssl_context=ssl_context)  # fmt: skip
    else:
        delivery = None
    if delivery is None or delivery.status == "test":
        write_outbox(message, recipients=recipients, settings=config.email, eml_path=paths.eml,
                     now=now, sent=_was_sent(store, week))  # fmt: skip
    return WeekResult(metrics, argument, digest, message, paths, delivery)


def _was_sent(store: Store, week: IsoWeek) -> bool:
    return any(
        d.week == week.label and d.status in ("sent", "partial", "sending")
        for d in store.deliveries()
    )
