"""`monitor worker`: one node of the fleet, until SIGTERM (or SIGINT).

At start, one node at a time (a lock in PostgreSQL) puts the task engine's tables in place
and the configuration's sources in the store; then the node records itself, beats, and runs
the engine's worker over its queues. A node that joins or leaves changes nothing for the
others: the plan, the queue and the host turns are all in the shared database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable
from datetime import datetime

from procrastinate import App, PsycopgConnector
from procrastinate.exceptions import ConnectorException

from monitor.alerts.runner import after_collections
from monitor.clock import utc_now
from monitor.config import Config
from monitor.errors import StoreError
from monitor.fleet import libpq_url, require_postgresql
from monitor.fleet.node import Node, NodeSettings
from monitor.fleet.tasks import NODE_KEY, register, take_back_stalled
from monitor.fleet.turns import HostTurns
from monitor.instance_lock import ADVISORY_LOCK_KEY, AlreadyRunning
from monitor.logs import setup_logging
from monitor.net import HttpClient
from monitor.store import Store, redact_password
from monitor.store.fleet import FleetStore, SetupLock
from monitor.sync import sync_sources

log = logging.getLogger("monitor.fleet")

# After SIGTERM, jobs in progress get this long to finish; then they are stopped (their
# sources stay due, and another node collects them).
STOP_GRACE_S = 5.0
ENGINE_TABLE = "procrastinate_jobs"


def run_worker(
    config: Config,
    settings: NodeSettings,
    *,
    clock: Callable[[], datetime] = utc_now,
    log_format: str = "plain",
    log_level: int = logging.INFO,
    wait_for_database_s: float = 120.0,
) -> None:
    """Run one node until it is told to stop; returns normally, so the exit status is 0."""
    require_postgresql(config.database)
    os.umask(0o077)
    setup_logging(config, log_format, level=log_level)
    # The engine says every job it starts and ends: its own words only from -v debug on.
    logging.getLogger("procrastinate").setLevel(max(log_level, logging.WARNING))
    setup = SetupLock(config.database, wait_for_database_s)
    try:
        store = Store(config.database)  # created or upgraded by one node at a time
    except BaseException:
        setup.release()
        raise
    with store:
        fleet = FleetStore(store)
        shared = fleet.try_shared_lock(ADVISORY_LOCK_KEY)
        if shared is None:
            setup.release()
            raise AlreadyRunning(
                f"a `monitor run` (or `monitor collect`) is using the database "
                f"{redact_password(config.database)}; stop it first: fleet nodes and "
                "`monitor run` cannot collect the same database at once"
            )
        try:
            node = Node(config, store, fleet, settings, clock)
            node.alerts = after_collections(node)
            asyncio.run(_serve(node, setup))
        finally:
            setup.release()
            fleet.release_shared_lock(shared, ADVISORY_LOCK_KEY)


def build_app(database_url: str, settings: NodeSettings) -> App:
    """The Procrastinate app of a node, with the fleet's tasks."""
    connector = PsycopgConnector(
        conninfo=libpq_url(database_url),
        min_size=2,
        max_size=settings.concurrency + 4,  # the jobs, the host turns, the engine's own
    )
    app = App(connector=connector)
    register(app, settings.plan_every_s)
    return app


async def _serve(node: Node, setup: SetupLock) -> None:
    app = build_app(node.config.database, node.settings)
    async with app.open_async():
        if not setup.has_table(ENGINE_TABLE):
            log.info("setting up the task engine's tables (the first node on this database)")
            await app.schema_manager.apply_schema_async()
        sync_sources(node.config, node.store)
        setup.release()
        settings = node.settings
        node.fleet.join(
            settings.name,
            socket.gethostname(),
            os.getpid(),
            ",".join(settings.queues),
            settings.heartbeat_s,
            node.clock(),
        )
        turns = HostTurns(
            app.connector.execute_query_all_async,
            app.connector.execute_query_async,
            settings.name,
            node.config.collect.timeout.total_seconds(),
        )
        async with HttpClient(node.config.collect, host_turn=turns) as client:
            node.client = client
            beating = asyncio.create_task(_beat(app, node))
            log.info(
                "node %s running: queues %s, %d jobs at once",
                settings.name,
                ", ".join(settings.queues),
                settings.concurrency,
            )
            try:
                await app.run_worker_async(
                    queues=list(settings.queues),
                    name=settings.name,
                    concurrency=settings.concurrency,
                    additional_context={NODE_KEY: node},
                    update_heartbeat_interval=settings.heartbeat_s,
                    stalled_worker_timeout=settings.stalled_after_s,
                    shutdown_graceful_timeout=STOP_GRACE_S,
                    delete_jobs="successful",
                )
            finally:
                node.stopping.set()
                node.interrupt.fire()  # a digest talking to a stalled mail server stops now
                beating.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await beating
                node.fleet.leave(settings.name, node.clock())
    log.info("node %s stopped", node.settings.name)


async def _beat(app: App, node: Node) -> None:
    """The node's heartbeat and what it is doing, for `monitor status`; and the jobs of nodes
    that stopped beating, taken back."""
    while True:
        try:
            node.fleet.beat(node.settings.name, node.clock(), node.activity())
            await take_back_stalled(app, node.settings.stalled_after_s)
        except (StoreError, ConnectorException) as error:  # the database is away: beat again
            log.warning("the heartbeat could not be recorded: %s", error)
        await asyncio.sleep(node.settings.heartbeat_s)
