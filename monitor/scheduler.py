"""The long-running job (`monitor run`): sources at their intervals, the digest, one instance.

APScheduler 3 on asyncio: collections are coroutines on the one event loop (sharing one
polite HTTP client), the digest runs in a worker thread. Job state lives in the database
(SQLAlchemyJobStore), so a digest missed while the machine was down is sent on start.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import random
import signal
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor.alerts.runner import AlertChecks, after_collections
from monitor.clock import utc_now
from monitor.collect import run_cycle
from monitor.config import Config, ReportSettings
from monitor.deliver import DeliveryResult, recipients_key, retry_pending
from monitor.errors import MonitorError, StoreError
from monitor.health import HEARTBEAT_S, JOB_RUN_KIND
from monitor.instance_lock import instance_lock
from monitor.job_guards import CLOCK_CHECK_S, clock_went_back, watch_clock
from monitor.logs import setup_logging
from monitor.net import HttpClient
from monitor.smtp import Interrupt
from monitor.store import Store
from monitor.store.reach import open_when_reachable
from monitor.store.writer import BatchWriter
from monitor.sync import sync_sources
from monitor.units import parse_schedule

log = logging.getLogger("monitor.scheduler")

JOBSTORE_TABLE = "apscheduler_jobs"
DIGEST_JOB_ID = "digest"
# After SIGTERM, a collection in flight gets this long to finish before it is cancelled.
STOP_GRACE_S = 5.0
# A source whose own backoff puts it further off than this share of its interval is skipped.
BACKOFF_SKIP_SHARE = 0.5
# How often the job looks for deliveries given back or abandoned (deliver.ABANDONED_AFTER).
RETRY_EVERY = timedelta(minutes=15)


@dataclass
class _Runtime:
    """What the jobs need. Stored jobs are referenced by name, so they find it here."""

    config: Config
    store: Store
    clock: Callable[[], datetime]
    run_week: Callable | None
    ssl_context: ssl.SSLContext | None
    stopping: threading.Event = field(default_factory=threading.Event)
    interrupt: Interrupt = field(default_factory=Interrupt)  # stops an SMTP exchange at SIGTERM
    digest_running: threading.Lock = field(default_factory=threading.Lock)
    client: HttpClient | None = None
    writer: BatchWriter | None = None  # one for the job's life: a thread a collection cost
    collecting: set[asyncio.Task] = field(default_factory=set)
    halt: Callable[[], None] | None = None  # stops the job from any thread
    failure: MonitorError | None = None  # why it stopped, when it stopped by itself
    run_id: int | None = None  # this job's row in `runs`, where its heartbeat is recorded
    alerts: AlertChecks | None = None  # the check after each collection (alerts on)


_runtime: _Runtime | None = None


def _current() -> _Runtime:
    if _runtime is None:
        raise MonitorError("a scheduled job ran outside `monitor run`")
    return _runtime


# --- the jobs -----------------------------------------------------------------------------------


async def collect_source(source_id: int) -> None:
    """Collect one source (its harvest is written in one transaction)."""
    runtime = _current()
    if runtime.stopping.is_set():
        return
    if not _database_still_there(runtime):
        return
    now = runtime.clock()
    record = runtime.store.source(source_id)
    if record is None or not record.active:
        return  # left the configuration since the job was stored
    interval = _interval_of(runtime.config, record.company, record.kind, record.target)
    backing_off = record.next_due_at and record.next_due_at - now > interval * BACKOFF_SKIP_SHARE
    if backing_off and not clock_went_back(record, now):
        return  # failing source, backing off (collect.py decided when it is due again)
    task = asyncio.current_task()
    if task is not None:
        runtime.collecting.add(task)
    try:
        await run_cycle(
            runtime.config,
            runtime.store,
            now=runtime.clock,
            records=[record],  # as read above: the cycle does not read every source again
            client=runtime.client,
            record_run=False,
            writer=runtime.writer,
        )
        if runtime.alerts is not None and not runtime.stopping.is_set():
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, runtime.alerts.run, {record.company})
    finally:
        runtime.collecting.discard(task)


def _database_still_there(runtime: _Runtime) -> bool:
    """False, and the job told to stop, when the database file was deleted or replaced."""
    try:
        runtime.store.check_same_file()
    except StoreError as error:
        log.error("%s; the job stops", error)
        runtime.failure = error
        if runtime.halt is not None:
            runtime.halt()
        return False
    return True


def heartbeat() -> None:
    """Say the job is alive: `monitor status` reports a job silent for two beats as degraded."""
    runtime = _current()
    if runtime.run_id is not None and not runtime.stopping.is_set():
        runtime.store.beat(runtime.run_id, runtime.clock())


def send_weekly_digest() -> None:
    """The digest job: the last complete week if not yet delivered, then the failed ones."""
    runtime = _current()
    if not _database_still_there(runtime):
        return
    with runtime.digest_running:
        deliver_due_digest(
            runtime.config,
            runtime.store,
            runtime.clock(),
            run_week=runtime.run_week,
            ssl_context=runtime.ssl_context,
            sleep=runtime.stopping.wait,
            interrupt=runtime.interrupt,
        )


def retry_deliveries(include_failed: bool = False) -> None:
    """Deliveries given back (stopped in the middle) or abandoned by a crash, sent again;
    failed ones too at start (they wait for a fix, e.g. a password, and a restart)."""
    runtime = _current()
    statuses = ("pending", "failed") if include_failed else ("pending",)
    with runtime.digest_running:
        for result in retry_pending(
            runtime.store,
            runtime.config.email,
            runtime.clock(),
            sleep=runtime.stopping.wait,
            ssl_context=runtime.ssl_context,
            interrupt=runtime.interrupt,
            statuses=statuses,
        ):
            _log_delivery(result)


def deliver_due_digest(
    config: Config,
    store: Store,
    now: datetime,
    *,
    run_week: Callable | None = None,
    ssl_context: ssl.SSLContext | None = None,
    sleep: Callable[[float], object] = time.sleep,
    interrupt: Interrupt | None = None,
) -> list[DeliveryResult]:
    """Make and send the last complete week's digest unless it is recorded; retry the rest."""
    from monitor.metrics import IsoWeek

    week = IsoWeek.last_complete(now, config.report.timezone)
    key = recipients_key(config.report.recipients)
    results: list[DeliveryResult] = []
    existing = store.delivery(week.label, key)
    if existing is None:
        if run_week is None:
            from monitor.weekly import run_week
        try:
            made = run_week(
                store,
                config,
                week,
                now,
                send=True,
                sleep=sleep,
                ssl_context=ssl_context,
                interrupt=interrupt,
            )
            result = made.delivery
        except MonitorError as error:
            log.error("digest %s could not be made: %s", week.label, error)
        else:
            results.append(result)
            _log_delivery(result)
    else:
        log.info("digest %s: already %s", week.label, existing.status)
    for result in retry_pending(
        store, config.email, now, sleep=sleep, ssl_context=ssl_context, interrupt=interrupt
    ):
        results.append(result)
        _log_delivery(result)
    return results


def _log_delivery(result: DeliveryResult) -> None:
    level = logging.INFO if result.ok else logging.WARNING
    log.log(level, "digest %s: %s", result.week, result.describe())


# --- building the schedule ----------------------------------------------------------------------


def digest_trigger(report: ReportSettings) -> CronTrigger:
    """`report.schedule` in `report.timezone`: 08:00 stays 08:00 local across DST changes."""
    return CronTrigger(**parse_schedule(report.schedule), timezone=ZoneInfo(report.timezone))


def next_fire_times(trigger, after: datetime, count: int) -> list[datetime]:
    times: list[datetime] = []
    previous, now = None, after
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now)
        if fire is None:
            break
        times.append(fire)
        previous, now = fire, fire + timedelta(microseconds=1)
    return times


class _OwnJobStore(SQLAlchemyJobStore):
    """The digest's and the deliveries' jobs, kept in the database across restarts. Only this
    process writes them (the instance lock), so their next run time is remembered between
    changes: APScheduler asks it at every wake-up, 20 a second at 200 sources every 10 s."""

    _UNKNOWN = object()
    _next: object = _UNKNOWN

    def get_next_run_time(self):
        if self._next is self._UNKNOWN:
            self._next = super().get_next_run_time()
        return self._next

    def get_due_jobs(self, now):
        upcoming = self.get_next_run_time()
        if upcoming is None or upcoming > now:
            return []
        return super().get_due_jobs(now)

    def add_job(self, job):
        self._next = self._UNKNOWN
        super().add_job(job)

    def update_job(self, job):
        self._next = self._UNKNOWN
        super().update_job(job)

    def remove_job(self, job_id):
        self._next = self._UNKNOWN
        super().remove_job(job_id)

    def remove_all_jobs(self):
        self._next = self._UNKNOWN
        super().remove_all_jobs()


def create_scheduler(store: Store) -> AsyncIOScheduler:
    return AsyncIOScheduler(
        jobstores={
            "default": _OwnJobStore(engine=store.engine, tablename=JOBSTORE_TABLE),
            # Jobs of this process only: the heartbeat, and a job a source, planned anew at
            # every start from the store's own next_due_at (kept in the database, each run
            # rewrote its row: a third of an idle job's CPU at 200 sources every 10 s).
            "process": MemoryJobStore(),
        },
        # a late job still runs (however late), and many missed runs are run once
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        timezone=UTC,
    )


def install_jobs(scheduler: AsyncIOScheduler, config: Config, store: Store, now: datetime) -> None:
    """Put the digest and one job a source into a started (paused) scheduler."""
    trigger = digest_trigger(config.report)
    existing = scheduler.get_job(DIGEST_JOB_ID)
    # Same schedule: keep the stored job, with its next run even if that is past (missed).
    if existing is None or repr(existing.trigger) != repr(trigger):
        scheduler.add_job(
            send_weekly_digest,
            trigger,
            id=DIGEST_JOB_ID,
            name="weekly digest",
            next_run_time=trigger.get_next_fire_time(None, now),
            replace_existing=True,
        )
    # Deliveries given back at a stop or abandoned by a crash: at start (with the failed ones),
    # then every RETRY_EVERY.
    scheduler.add_job(
        retry_deliveries,
        "date",
        run_date=now,
        kwargs={"include_failed": True},
        id="deliveries:start",
        name="deliveries left over",
        replace_existing=True,
    )
    scheduler.add_job(
        retry_deliveries,
        IntervalTrigger(seconds=RETRY_EVERY.total_seconds(), timezone=UTC),
        id="deliveries",
        name="deliveries given back",
        next_run_time=now + RETRY_EVERY,
        replace_existing=True,
    )
    for job in scheduler.get_jobs(jobstore="default"):
        if job.id.startswith("collect:"):  # stored there by earlier versions: planned anew
            job.remove()
    wanted = set()
    for source_id, name, interval, first in _collection_plan(config, store, now):
        job_id = f"collect:{source_id}"
        wanted.add(job_id)
        jitter_s = interval.total_seconds() * config.collect.jitter
        scheduler.add_job(
            collect_source,
            SpreadIntervalTrigger(
                seconds=interval.total_seconds(),
                jitter=jitter_s or None,
                start_date=first,
                timezone=UTC,
            ),
            args=[source_id],
            id=job_id,
            name=name,
            next_run_time=first,
            jobstore="process",
            replace_existing=True,
        )
    for job in scheduler.get_jobs():
        if job.id.startswith("collect:") and job.id not in wanted:
            job.remove()
    scheduler.add_job(
        heartbeat,
        IntervalTrigger(seconds=HEARTBEAT_S, timezone=UTC),
        id="heartbeat",
        name="heartbeat",
        jobstore="process",
        replace_existing=True,
    )


class SpreadIntervalTrigger(IntervalTrigger):
    """Runs on the interval's grid, each moved by up to ±jitter: the spread never adds up.

    APScheduler's own jitter adds 0..jitter to the previous, already moved, run: runs drift
    later and a source is collected jitter/2 less often than its interval says (5% with the
    default 0.1, found by the soak benchmark).
    """

    def get_next_fire_time(self, previous_fire_time, now):
        start, step = self.start_date.timestamp(), self.interval_length
        if previous_fire_time is None:
            steps = max(0, math.ceil((now.timestamp() - start) / step))
        else:  # back onto the grid (|jitter| <= half a step), then one step on
            steps = round((previous_fire_time.timestamp() - start) / step) + 1
        planned = start + steps * step + random.uniform(-1, 1) * (self.jitter or 0)
        if self.end_date and planned > self.end_date.timestamp():
            return None
        return datetime.fromtimestamp(planned, tz=self.timezone)


def _collection_plan(
    config: Config, store: Store, now: datetime
) -> list[tuple[int, str, timedelta, datetime]]:
    """(source id, name, interval, first run) per source. Overdue sources are spread evenly
    over their first interval, so a restart does not fire them all in the same second."""
    plan, overdue = [], []
    for record in store.sources():
        interval = _interval_of(config, record.company, record.kind, record.target)
        name = f"collect {record.company} {record.key}"
        due = record.next_due_at
        if due is None or due <= now:
            overdue.append((record.id, name, interval))
        else:
            plan.append((record.id, name, interval, min(due, now + interval)))
    for index, (source_id, name, interval) in enumerate(overdue):
        plan.append((source_id, name, interval, now + interval * index / len(overdue)))
    return plan


def _interval_of(config: Config, company: str, kind: str, target: str) -> timedelta:
    source = config.source_lookup.get((company, kind, target))  # a dict: one look a job
    return config.collect.interval if source is None else config.interval_for(source)


# --- running ------------------------------------------------------------------------------------


def run_job(
    config: Config,
    store_url: str | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    stop_event: threading.Event | None = None,
    started: threading.Event | None = None,
    log_format: str = "plain",
    log_level: int = logging.INFO,
    log: logging.Logger | None = None,
    run_week: Callable | None = None,
    ssl_context: ssl.SSLContext | None = None,
    stop_grace_s: float = STOP_GRACE_S,
    clock_check_s: float = CLOCK_CHECK_S,
    wait_for_database_s: float = 120.0,
) -> None:
    """Run until SIGTERM/SIGINT (or `stop_event`); returns normally, so the exit status is 0.

    A database server that does not answer yet is waited for (`wait_for_database_s`).
    Raises StoreError when it stopped by itself because its database file went away."""
    global _runtime
    os.umask(0o077)  # the database, its lock and the outbox: readable by this user only
    if log is None:
        setup_logging(config, log_format, level=log_level)
    store = open_when_reachable(store_url or config.database, wait_for_database_s)
    with store, instance_lock(store):
        sync_sources(config, store)
        runtime = _runtime = _Runtime(config, store, clock, run_week, ssl_context)
        runtime.alerts = after_collections(runtime)
        runtime.run_id = store.start_run(JOB_RUN_KIND, clock())
        store.beat(runtime.run_id, clock())
        try:
            asyncio.run(_serve(runtime, stop_event, started, stop_grace_s, clock_check_s))
        finally:
            if runtime.failure is None:  # a database that went away is not written to again
                store.beat(runtime.run_id, clock(), note="stopped")
            _runtime = None
    if runtime.failure is not None:
        raise runtime.failure


async def _serve(
    runtime: _Runtime,
    stop_event: threading.Event | None,
    started: threading.Event | None,
    grace_s: float,
    clock_check_s: float = CLOCK_CHECK_S,
) -> None:
    stop = asyncio.Event()
    _on_signals(stop)
    loop = asyncio.get_running_loop()
    runtime.halt = lambda: loop.call_soon_threadsafe(stop.set)
    watcher = asyncio.create_task(_watch(stop_event, stop)) if stop_event else None
    track_for = runtime.config.collect.track_engagement_for
    async with HttpClient(runtime.config.collect) as client:
        runtime.client = client
        runtime.writer = BatchWriter(runtime.store, track_engagement_for=track_for)
        try:
            scheduler = create_scheduler(runtime.store)
            scheduler.start(paused=True)
            install_jobs(scheduler, runtime.config, runtime.store, runtime.clock())
            scheduler.resume()

            def plan_again(now: datetime, _jump: timedelta) -> None:
                install_jobs(scheduler, runtime.config, runtime.store, now)
                scheduler.wakeup()

            clock_watch = asyncio.create_task(watch_clock(runtime.clock, plan_again, clock_check_s))
            digest = scheduler.get_job(DIGEST_JOB_ID)
            log.info(
                "monitor running: %d sources; next digest %s",
                sum(job.id.startswith("collect:") for job in scheduler.get_jobs()),
                digest.next_run_time.astimezone(ZoneInfo(runtime.config.report.timezone)),
            )
            if started:
                started.set()
            await stop.wait()
            clock_watch.cancel()
            log.info("stopping: no new jobs; letting the collections in progress finish")
            scheduler.pause()
            runtime.stopping.set()
            runtime.interrupt.fire()  # a digest talking to a stalled mail server stops now
            await _finish(runtime.collecting, grace_s)
            await _digest_finished(runtime, grace_s)
            scheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # the shutdown is scheduled on the loop
        finally:
            runtime.writer.close()  # what the finished collections queued is written
    if watcher:
        watcher.cancel()
    log.info("stopped")


def _on_signals(stop: asyncio.Event) -> None:
    if threading.current_thread() is not threading.main_thread():
        return  # signals reach the main thread only; an embedded run stops by its stop_event
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)


async def _watch(stop_event: threading.Event, stop: asyncio.Event) -> None:
    while not stop_event.is_set():
        await asyncio.sleep(0.05)
    stop.set()


async def _digest_finished(runtime: _Runtime, grace_s: float) -> None:
    """Wait for a digest in progress to record how it ended (given back to pending when it
    was stopped), so a restart finds no delivery stuck in `sending`."""
    loop = asyncio.get_running_loop()
    if await loop.run_in_executor(None, runtime.digest_running.acquire, True, grace_s):
        runtime.digest_running.release()
    else:
        log.warning("a digest was still being sent at the stop; it will be tried again")


async def _finish(tasks: set[asyncio.Task], grace_s: float) -> None:
    """Let collections finish for `grace_s`, then cancel them. A harvest is written in one
    synchronous transaction, so a cancelled collection stops at an await, never inside it."""
    pending = set(tasks)
    if not pending:
        return
    _done, pending = await asyncio.wait(pending, timeout=grace_s)
    for task in pending:
        task.cancel()
    if pending:
        log.info("cancelled %d collections still waiting on the network", len(pending))
        await asyncio.wait(pending)
