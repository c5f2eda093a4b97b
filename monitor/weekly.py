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

from monitor.chat import ChatResult
from monitor.coverage import Coverage, assess, refuse_unfinished
from monitor.deliver import (
    DeliveryResult,
    hold_digest,
    send_copy,
    send_digest,
    send_test,
    write_outbox,
)
from monitor.insights import Argument, interpret
from monitor.metrics import IsoWeek, MetricsSettings, WeekMetrics, load_and_compute
from monitor.metrics.conversation import load_conversation
from monitor.metrics.outcomes import load_outcomes
from monitor.report.archive import ArchivePaths, write_archive
from monitor.report.documents import render_documents
from monitor.report.figures import week_figures
from monitor.report.mime import compose_message
from monitor.report.render import Digest, render_digest
from monitor.weekly_chat import post_weekly

if TYPE_CHECKING:
    from monitor.config import Config
    from monitor.smtp import Interrupt
    from monitor.store import Store


@dataclass(frozen=True)
class WeekResult:
    metrics: WeekMetrics
    argument: Argument
    digest: Digest
    message: EmailMessage  # the content, without envelope headers
    paths: ArchivePaths
    coverage: Coverage  # what was read in the week: thin, partial or future
    delivery: DeliveryResult | None  # None: written to the outbox, not sent
    chat: tuple[ChatResult, ...] = ()  # the weekly message, per chat channel that wants it


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
    interrupt: Interrupt | None = None,
    documents: frozenset[str] = frozenset(),
) -> WeekResult:
    """Make the week's digest and archive it; with `send`, deliver it once (a thin week is
    held unless `force`; a week not over is refused, or with `force` sent as a copy that is
    never recorded as the week's digest); `test_to`: a test copy to one address.
    `metrics`: figures the caller already measured for this week; `documents`: "pdf" and
    "pptx" to archive beside the .html (those in `report.attach` are made and attached too)."""
    report = config.report
    settings = MetricsSettings.from_report(report)
    metrics = metrics or load_and_compute(store, week, settings, as_of=now)
    coverage = assess(metrics, now)
    if send and not test_to:
        refuse_unfinished(coverage, force)
    conversation = load_conversation(store, week, settings.timezone)
    outcomes = load_outcomes(store, metrics, config.spend)
    argument = interpret(metrics, settings, conversation, outcomes)
    digest = render_digest(
        metrics,
        argument,
        language=report.language,
        top_posts=report.top_posts,
        generated_at=now,
        coverage=coverage,
        conversation=conversation,
        outcomes=outcomes,
    )
    files = render_documents(digest, documents | set(report.attach))
    message = compose_message(digest, {kind: files[kind] for kind in report.attach})
    paths = write_archive(
        digest,
        report.outbox,
        week.label,
        week_figures(metrics, argument, digest, conversation, outcomes),
        files,
    )
    recipients = list(report.recipients)
    common = {"settings": config.email, "now": now, "sleep": sleep, "ssl_context": ssl_context}
    delivery = None
    if test_to:
        delivery = send_test(message, to=test_to, week=week.label, **common)
    elif send and coverage.partial:  # forced: a look at the week so far, not the week
        delivery = send_copy(message, to=recipients, week=week.label, status="early", **common)
    elif send and coverage.thin and not force:
        delivery = hold_digest(week=week.label, recipients=recipients, reasons=coverage.reasons(),
                               store=store, eml_path=paths.eml, **common)  # fmt: skip
    elif send:
        delivery = send_digest(
            message,
            week=week.label,
            recipients=recipients,
            store=store,
            eml_path=paths.eml,
            force=force,
            interrupt=interrupt,
            **common,
        )
    if delivery is None or delivery.status in ("test", "early", "held"):
        write_outbox(message, recipients=recipients, settings=config.email, eml_path=paths.eml,
                     now=now, sent=_was_sent(store, week))  # fmt: skip
    chat: list[ChatResult] = []
    if delivery is not None and delivery.status not in _NOT_THE_WEEK:
        # After the e-mail, whatever became of it: a failing chat never holds the e-mail back.
        chat = post_weekly(config, store, digest, paths.html, now, sleep=sleep)
    return WeekResult(metrics, argument, digest, message, paths, coverage, delivery, tuple(chat))


# Deliveries that are not the week's digest going out: no weekly message in chat for them.
_NOT_THE_WEEK = ("test", "early", "held")


def _was_sent(store: Store, week: IsoWeek) -> bool:
    return any(
        d.week == week.label and d.status in ("sent", "partial", "sending")
        for d in store.deliveries()
    )
