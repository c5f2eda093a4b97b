"""One collection cycle: the due sources, concurrently, each harvest in one transaction."""

from __future__ import annotations

import asyncio
import gc
import logging
import random
import time
from collections.abc import Callable, Collection, Coroutine, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from monitor.child_process import LARGE_CYCLE, children_for, start_forkserver
from monitor.clock import utc_now
from monitor.collectors import SourceContext, collector_for, parsing_pool
from monitor.collectors.mentions import own_accounts, screen
from monitor.config import Config, SourceConfig, read_secret
from monitor.domain import Harvest
from monitor.errors import ConfigError, SourceError, StoreError
from monitor.net import HttpClient, recording_moves
from monitor.staleness import STALE_MIN_POSTS, Cadence, judge, stale_reason
from monitor.storable import storable_harvest
from monitor.store import SourceRecord, Store
from monitor.store.harvests import FailureWrite, HarvestWrite, Write
from monitor.store.records import HarvestResult
from monitor.store.writer import Writer, writer_for

log = logging.getLogger("monitor.collect")

# During a large cycle, a full garbage collection after this many of the middle generation's
# (10 by default): in practice none, until the cycle is over.
FULL_GC_EVERY = 10_000
# Collections started in one turn of the event loop (see _all_or_none).
START_AT_ONCE = 50
# A source that fails is tried again later and later, up to this.
MAX_BACKOFF = timedelta(hours=24)
# The source's publication rhythm, kept with its state (`remember`) from harvest to harvest.
CADENCE_KEY = "cadence"
# What stale_reason() says is the staleness module's; it is re-exported for callers here.
__all__ = ["CycleReport", "SourceOutcome", "collect_one", "run_cycle", "stale_reason"]


@dataclass(frozen=True)
class SourceOutcome:
    source_id: int
    company: str
    kind: str
    target: str
    label: str | None
    ok: bool
    unchanged: bool = False
    new_posts: int = 0
    updated_counts: int = 0
    error_kind: str | None = None
    error_message: str | None = None
    warnings: tuple[str, ...] = ()
    duration_s: float = 0.0


@dataclass(frozen=True)
class CycleReport:
    started_at: datetime
    finished_at: datetime
    outcomes: list[SourceOutcome]

    @property
    def ok(self) -> int:
        return sum(o.ok for o in self.outcomes)

    @property
    def failed(self) -> int:
        return sum(not o.ok for o in self.outcomes)


async def run_cycle(
    config: Config,
    store: Store,
    *,
    now: Callable[[], datetime] = utc_now,
    source_ids: Collection[int] | None = None,
    records: list[SourceRecord] | None = None,
    only_due: bool = False,
    client: HttpClient | None = None,
    on_outcome: Callable[[SourceOutcome], None] | None = None,
    record_run: bool = True,
    writer: Writer | None = None,
) -> CycleReport:
    """Collect the chosen sources (all active ones by default); one failing stops no other.

    `records`, when given, are the sources to collect as the caller already read them;
    `writer`, a writer the caller keeps open across cycles (the job's), else one of its own.
    """
    started = now()
    if records is None:
        records = store.due_sources(started) if only_due else store.sources()
    if source_ids is not None:
        chosen = set(source_ids)
        records = [r for r in records if r.id in chosen]
    if children_for(len(records)):
        start_forkserver()  # it starts while the collectors' modules load, just below
    for kind in {r.kind for r in records}:
        collector_for(kind)  # loaded now, not while the first requests are in flight
    # The job collects one source at a time; its attempts are in source_events, not runs.
    run_id = store.start_run("collect", started) if record_run else None
    own_client = client is None
    client = client or HttpClient(config.collect)
    track_for = config.collect.track_engagement_for
    try:
        with (
            nullcontext(writer)
            if writer
            else writer_for(store, len(records), track_engagement_for=track_for)
        ) as writing:

            async def one(record: SourceRecord) -> SourceOutcome:
                outcome = await collect_one(config, store, client, record, now(), writer=writing)
                if on_outcome:
                    on_outcome(outcome)
                return outcome

            with parsing_pool(len(records)), _short_gc_pauses(len(records)):
                outcomes = await _all_or_none([one(r) for r in records])
    finally:
        if own_client:
            await client.aclose()
    report = CycleReport(started, now(), outcomes)
    if run_id is not None:
        store.finish_run(run_id, report.finished_at, ok=report.ok, failed=report.failed)
    return report


@contextmanager
def _short_gc_pauses(sources: int) -> Iterator[None]:
    """Leave what was alive before a large cycle (modules, the configuration) out of the
    garbage collector's scans, and scan the whole heap rarely: at 1,000 sources each full scan
    stopped every request in flight for 40-100 ms, two to four times a cycle. What a cycle
    leaves is freed by reference counting; the next full scan comes after it, as usual."""
    if sources < LARGE_CYCLE:
        yield
        return
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(thresholds[0], thresholds[1], FULL_GC_EVERY)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


async def _all_or_none(jobs: list[Coroutine[Any, Any, SourceOutcome]]) -> list[SourceOutcome]:
    """Every outcome; or, when one job raises (the database failed), the rest cancelled.

    Left running, they would go on against a closed client and a failing database,
    recording bogus failures on sources that did nothing wrong.

    The jobs start START_AT_ONCE at a time: the first steps of 1,000 jobs at once held the
    event loop for a tenth of a second while the first requests' answers waited.
    """
    tasks: list[asyncio.Future[SourceOutcome]] = []
    try:
        for job in jobs:
            tasks.append(asyncio.ensure_future(job))
            if len(tasks) % START_AT_ONCE == 0:
                await asyncio.sleep(0)  # the requests already sent go on meanwhile
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        for job in jobs[len(tasks) :]:
            job.close()  # never started
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def collect_one(
    config: Config,
    store: Store,
    client: HttpClient,
    record: SourceRecord,
    now: datetime,
    *,
    writer: Writer | None = None,
) -> SourceOutcome:
    """Collect one source and write what it gave, or record why it failed.

    Written through `writer` (in its batches) when given, else in a transaction of its own.
    """
    began = time.monotonic()
    source = _source_config(config, record)
    interval = config.interval_for(source)
    info = collector_for(record.kind)
    since = now - (
        config.collect.track_engagement_for if record.last_ok_at else config.collect.lookback
    )
    company = config.company(record.company)
    terms = company.mentions if company and info.declared.mentions else None
    context = SourceContext(
        source=source,
        client=client,
        base_url=(config.base_url_for(source) or info.default_base_url).rstrip("/"),
        now=now,
        since=since,
        # the collector's own state; the cycle's cadence is not the collector's to keep
        remember={k: v for k, v in record.remember.items() if k != CADENCE_KEY},
        mentions=terms,
        language=config.report.language,
    )
    try:
        _check_needs(source, info.needs)
        with recording_moves() as moves:
            harvest = await info.collect(context)
        harvest = _moved(harvest, moves)
        if company and terms:
            own = own_accounts(company.sources)
            found = screen(harvest.mentions, terms.terms, terms.exclude, own)
            harvest = replace(harvest, mentions=found)
    except SourceError as error:
        failure = _failure(record, error.kind, error.message, now, interval, config)
    except ConfigError as error:
        failure = _failure(record, "misconfigured", str(error), now, interval, config)
    except Exception as error:  # a bug or an unforeseen answer: recorded, never hidden
        log.exception("unexpected error collecting %s", record.key)
        message = f"an unexpected error stopped the collection ({type(error).__name__}: {error})"
        failure = _failure(record, "unexpected", message, now, interval, config)
    else:
        return await _harvested(config, store, record, harvest, now, interval, began, writer)
    await _write(store, writer, failure, config)
    log.warning("%s %s failed (%s): %s", record.company, record.key, failure.kind, failure.message)
    return _outcome(record, began, ok=False, error_kind=failure.kind, error_message=failure.message)


async def _harvested(
    config: Config,
    store: Store,
    record: SourceRecord,
    harvest: Harvest,
    now: datetime,
    interval: timedelta,
    began: float,
    writer: Writer | None,
) -> SourceOutcome:
    cadence = _cadence(store, record, harvest)
    stale = judge(
        record.kind, cadence, unchanged_cycles=record.unchanged_cycles, interval=interval, now=now
    )
    harvest = storable_harvest(harvest)
    kept = {**record.remember, CADENCE_KEY: cadence.to_dict()} if cadence else record.remember
    write = HarvestWrite(
        record.id,
        harvest,
        next_due_at=now + _jittered(interval, config.collect.jitter),
        stale_reason=stale,
        remembered=kept,
    )
    try:
        result = await _write(store, writer, write, config)
    except StoreError:
        raise  # the database itself failed: the cycle stops
    except Exception as error:  # a value this source gave that the store refused: its own
        log.exception("unexpected error storing %s", record.key)
        message = f"what it gave could not be stored ({type(error).__name__}: {error})"
        failure = _failure(record, "unexpected", message, now, interval, config)
        await _write(store, writer, failure, config)
        return _outcome(record, began, ok=False, error_kind="unexpected", error_message=message)
    assert result is not None
    log.info(
        "%s %s: %d new posts, %d updated counts%s",
        record.company,
        record.key,
        result.new_posts,
        result.updated_counts,
        " (unchanged)" if harvest.unchanged else "",
    )
    return _outcome(
        record,
        began,
        ok=True,
        unchanged=harvest.unchanged,
        new_posts=result.new_posts,
        updated_counts=result.updated_counts,
        error_kind="stale" if stale else None,
        error_message=stale,
        warnings=harvest.warnings,
    )


def _cadence(store: Store, record: SourceRecord, harvest: Harvest) -> Cadence | None:
    """The source's rhythm: kept from its last harvest when nothing changed, else measured."""
    if harvest.unchanged:
        kept = Cadence.from_dict(record.remember.get(CADENCE_KEY))
        if kept is not None:
            return kept  # nothing was published since: no need to read the history again
    own = [p.published_at for p in harvest.posts if not p.is_repost]
    if len(own) < STALE_MIN_POSTS:  # too few to judge: add what the store already knows
        own += store.publish_times(record.id)
    return Cadence.of(own)


async def _write(
    store: Store, writer: Writer | None, write: Write, config: Config
) -> HarvestResult | None:
    if writer is not None:
        return await writer.write(write)
    track_for = config.collect.track_engagement_for
    return store.write_batch([write], track_engagement_for=track_for)[0]


def _moved(harvest: Harvest, moves: list[tuple[str, str]]) -> Harvest:
    """A 301/308 is said on the source and remembered, so the user can update the address."""
    if not moves:
        return harvest
    said = [f"moved permanently: update the address {old} to {new}" for old, new in moves]
    remember = {**harvest.remember, "moved_permanently": dict(moves)}
    return replace(harvest, warnings=(*harvest.warnings, *dict.fromkeys(said)), remember=remember)


def _failure(
    record: SourceRecord,
    kind: str,
    message: str,
    now: datetime,
    interval: timedelta,
    config: Config,
) -> FailureWrite:
    failures = record.consecutive_failures + 1
    backoff = min(interval * 2 ** min(failures - 1, 10), max(interval, MAX_BACKOFF))
    next_due = now + _jittered(backoff, config.collect.jitter)
    return FailureWrite(record.id, kind, message, at=now, next_due_at=next_due)


def _outcome(record: SourceRecord, began: float, **result: Any) -> SourceOutcome:
    return SourceOutcome(
        record.id,
        record.company,
        record.kind,
        record.target,
        record.label,
        duration_s=time.monotonic() - began,
        **result,
    )


def _jittered(span: timedelta, jitter: float) -> timedelta:
    return span * (1 + random.uniform(-jitter, jitter))


def _source_config(config: Config, record: SourceRecord) -> SourceConfig:
    try:
        return config.source_lookup[(record.company, record.kind, record.target)]
    except KeyError:
        raise ConfigError(
            f"{record.company} {record.key} is in the database but not in the configuration"
        ) from None


def _check_needs(source, needs: tuple[str, ...]) -> None:
    """A kind that needs a token says so before any request is made."""
    for field in needs:
        value = getattr(source, field, None)
        if not value:
            raise ConfigError(f"{source.kind} needs '{field}' in the configuration")
        if field.endswith("_env"):
            read_secret(value, f"{source.kind} {source.target}: {field}")
