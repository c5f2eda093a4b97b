"""The fleet's tasks: collect one source, plan a tick, make and send the digest.

"Collect source X" is the same code path as `monitor run`'s job for one source
(collect.run_cycle with the record as read), so a harvest is written exactly as on one node.
Each source's jobs carry the lock `source:<id>`: two are never run at once anywhere, and at
most one waits in the queue. A job that finds its source no longer due does nothing: an
earlier job collected it this interval. Exactly once per interval follows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from procrastinate import App, JobContext
from procrastinate.exceptions import AlreadyEnqueued, ConnectorException
from procrastinate.jobs import Status

from monitor.collect import run_cycle
from monitor.deliver import retry_pending
from monitor.fleet.node import Node
from monitor.health import NODES_SHOWN_FOR
from monitor.scheduler import RETRY_EVERY, deliver_due_digest, digest_trigger

log = logging.getLogger("monitor.fleet")

COLLECT = "collect_source"
PLAN = "plan"
DIGEST = "digest"
NODE_KEY = "node"  # the Node in each job's additional context


def register(app: App, plan_every_s: int) -> None:
    """The fleet's tasks on a Procrastinate app; the plan runs every `plan_every_s`."""

    @app.task(name=COLLECT, queue="collect", pass_context=True)
    async def collect_source(context: JobContext, source_id: int) -> None:
        await collect_if_due(node_of(context), context.job.id or 0, source_id)

    @app.periodic(cron=every_seconds(plan_every_s), periodic_id="tick")
    @app.task(name=PLAN, queue="control", pass_context=True, lock=PLAN, queueing_lock=PLAN)
    async def plan(context: JobContext, timestamp: int) -> None:
        node = node_of(context)
        with busy(node, context.job.id or 0, "planning"):
            await plan_tick(context.app, node)

    @app.task(name=DIGEST, queue="control", pass_context=True, lock=DIGEST, queueing_lock=DIGEST)
    async def digest(context: JobContext, retry_only: bool = False) -> None:
        node = node_of(context)
        what = "retrying deliveries" if retry_only else "making and sending the digest"
        with busy(node, context.job.id or 0, what):
            await asyncio.to_thread(send_digest, node, retry_only)


def every_seconds(seconds: int) -> str:
    """A cron line (with Procrastinate's sixth column, seconds) firing every `seconds`."""
    if seconds < 60:
        return f"* * * * * */{seconds}"
    return f"*/{seconds // 60} * * * *"


def node_of(context: JobContext) -> Node:
    return context.additional_context[NODE_KEY]


@contextmanager
def busy(node: Node, job_id: int, what: str) -> Iterator[None]:
    node.doing[job_id] = what
    try:
        yield
    finally:
        node.doing.pop(job_id, None)
        node.done += 1


# --- collect one source ---------------------------------------------------------------------


async def collect_if_due(node: Node, job_id: int, source_id: int) -> None:
    now = node.clock()
    record = node.store.source(source_id)
    if record is None or not record.active:
        return  # left the configuration since the job was queued
    if record.next_due_at is not None and record.next_due_at > now:
        return  # collected this interval already, by an earlier job
    with busy(node, job_id, f"collecting {record.company} {record.key}"):
        await run_cycle(
            node.config,
            node.store,
            now=node.clock,
            records=[record],  # as read above: the cycle does not read every source again
            client=node.client,
            record_run=False,
        )
        if node.alerts is not None and not node.stopping.is_set():
            await asyncio.to_thread(node.alerts.run, {record.company})  # as `monitor run` does


# --- the plan: one node each tick -------------------------------------------------------------


async def plan_tick(app: App, node: Node) -> None:
    """Queue each due source once, and the digest when it is due (one plan at a time)."""
    now = node.clock()
    queued = 0
    for source_id in node.fleet.due_source_ids(now):
        lock = f"source:{source_id}"
        try:
            await app.configure_task(COLLECT, lock=lock, queueing_lock=lock).defer_async(
                source_id=source_id
            )
            queued += 1
        except AlreadyEnqueued:
            continue  # its job was taken back and queued again meanwhile
    if queued:
        log.info("queued %d due sources", queued)
    trigger = digest_trigger(node.config.report)
    if node.fleet.take_turn(DIGEST, now, lambda at: _next_fire(trigger, at)):
        await _defer_digest(app, retry_only=False)
    if node.fleet.take_turn("deliveries", now, lambda at: at + RETRY_EVERY):
        await _defer_digest(app, retry_only=True)
        node.fleet.forget_nodes(now - NODES_SHOWN_FOR)  # gone for a day: out of `monitor status`


async def take_back_stalled(app: App, silent_s: float) -> int:
    """Jobs left `doing` by nodes that stopped beating end as failed: a source is still due
    (a harvest is written whole or not at all), so the next plan queues it again; a digest
    is queued again at once (its delivery claim keeps it from being sent twice, and a week
    claimed by the dead node is sent again after deliver.ABANDONED_AFTER, as on one node).

    Every node does this at each heartbeat, outside any job: a plan left `doing` by a dead
    node holds the plan's lock until it is taken back here."""
    taken = 0
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=silent_s):
        try:
            await app.job_manager.finish_job(job, status=Status.FAILED, delete_job=False)
        except ConnectorException:
            continue  # taken back by another node at the same moment
        taken += 1
        log.warning("job %s %s of a silent node taken back", job.task_name, job.task_kwargs)
        if job.task_name == DIGEST:
            await _defer_digest(app, retry_only=bool(job.task_kwargs.get("retry_only")))
    return taken


async def _defer_digest(app: App, *, retry_only: bool) -> None:
    with contextlib.suppress(AlreadyEnqueued):  # one waits already; it retries them too
        await app.configure_task(DIGEST).defer_async(retry_only=retry_only)


def _next_fire(trigger, after: datetime) -> datetime:
    return trigger.get_next_fire_time(None, after + timedelta(microseconds=1))


# --- the digest ---------------------------------------------------------------------------------


def send_digest(node: Node, retry_only: bool) -> None:
    """The digest as `monitor run` sends it (the delivery claim makes it once), or only the
    deliveries given back or abandoned by a node that died in the middle."""
    now = node.clock()
    if not retry_only:
        deliver_due_digest(
            node.config,
            node.store,
            now,
            ssl_context=node.ssl_context,
            sleep=node.stopping.wait,
            interrupt=node.interrupt,
        )
        return
    for result in retry_pending(
        node.store,
        node.config.email,
        now,
        sleep=node.stopping.wait,
        ssl_context=node.ssl_context,
        interrupt=node.interrupt,
        statuses=("pending",),
    ):
        log.log(
            logging.INFO if result.ok else logging.WARNING,
            "digest %s: %s",
            result.week,
            result.describe(),
        )
