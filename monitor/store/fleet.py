"""Fleet mode's statements: the nodes, the fleet's timetable, the due sources, host turns.

The host turns are taken on every request, so they run on the event loop through an
asynchronous executor (the task engine's connection pool): `TAKE_TURN` and `END_TURN` are
the statements, with psycopg's `%(name)s` parameters. Every other statement is SQLAlchemy
Core on the store's engine, like the rest of the store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, insert, inspect, select, text, update
from sqlalchemy.exc import IntegrityError

from monitor.store import Store
from monitor.store import schema as s

# One statement: take the host's turn when it is free and due (a lease of `lease_s`), and
# say either way how long until it is due and whether another holds it. The outer SELECT
# reads the row as it was before the UPDATE. No row yet: nothing comes back (see ADD_HOST).
TAKE_TURN = """
WITH taken AS (
    UPDATE host_turns
       SET holder = %(holder)s,
           busy_until = clock_timestamp() + make_interval(secs => %(lease_s)s)
     WHERE host = %(host)s
       AND (busy_until IS NULL OR busy_until < clock_timestamp())
       AND (next_start_at IS NULL OR next_start_at <= clock_timestamp())
    RETURNING host
)
SELECT EXISTS (SELECT 1 FROM taken) AS taken,
       COALESCE(EXTRACT(EPOCH FROM next_start_at - clock_timestamp()), 0)::float AS wait_s,
       COALESCE(busy_until > clock_timestamp(), false) AS busy
  FROM host_turns
 WHERE host = %(host)s
"""
ADD_HOST = "INSERT INTO host_turns (host) VALUES (%(host)s) ON CONFLICT DO NOTHING"
# The request is over: the next one at this host, from any node, not before `interval_s`.
END_TURN = """
UPDATE host_turns
   SET holder = NULL,
       busy_until = NULL,
       next_start_at = clock_timestamp() + make_interval(secs => %(interval_s)s)
 WHERE host = %(host)s AND holder = %(holder)s
"""

# The due sources without a job: `source:<id>` is the lock (one running) and the queueing lock
# (one waiting) of its jobs; both are indexed by the engine for exactly these states.
DUE_SOURCES = text("""
SELECT s.id FROM sources s
 WHERE s.active AND (s.next_due_at IS NULL OR s.next_due_at <= :now)
   AND NOT EXISTS (SELECT 1 FROM procrastinate_jobs j
                    WHERE j.queueing_lock = 'source:' || s.id AND j.status = 'todo')
   AND NOT EXISTS (SELECT 1 FROM procrastinate_jobs j
                    WHERE j.lock = 'source:' || s.id AND j.status = 'doing')
 ORDER BY s.next_due_at NULLS FIRST, s.id
""").bindparams(bindparam("now", type_=s.UtcDateTime()))

# pg_advisory_lock key: one node at a time sets up the task engine's schema and the sources.
SETUP_LOCK_KEY = 0x666C656574  # "fleet"


@dataclass(frozen=True)
class NodeRecord:
    name: str
    hostname: str
    pid: int
    queues: str
    started_at: datetime
    last_heartbeat_at: datetime
    heartbeat_every_s: int
    doing: str
    stopped_at: datetime | None


class FleetStore:
    """The fleet's rows in a PostgreSQL store."""

    def __init__(self, store: Store):
        self.store = store
        self.engine = store.engine

    # --- nodes -----------------------------------------------------------------------------

    def join(
        self, name: str, hostname: str, pid: int, queues: str, heartbeat_s: int, now: datetime
    ) -> None:
        """Record a node as started (a node restarted under the same name starts again)."""
        values = dict(
            hostname=hostname,
            pid=pid,
            queues=queues,
            started_at=now,
            last_heartbeat_at=now,
            heartbeat_every_s=heartbeat_s,
            doing="starting",
            stopped_at=None,
        )
        with self.engine.begin() as connection:
            done = connection.execute(update(s.nodes).where(s.nodes.c.name == name).values(values))
            if done.rowcount == 0:
                connection.execute(insert(s.nodes).values(name=name, **values))

    def beat(self, name: str, now: datetime, doing: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(s.nodes)
                .where(s.nodes.c.name == name)
                .values(last_heartbeat_at=now, doing=doing)
            )

    def leave(self, name: str, now: datetime) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(s.nodes)
                .where(s.nodes.c.name == name)
                .values(last_heartbeat_at=now, stopped_at=now, doing="stopped")
            )

    def nodes(self) -> list[NodeRecord]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(s.nodes).order_by(s.nodes.c.name)).all()
        return [NodeRecord(**row._mapping) for row in rows]

    def forget_nodes(self, silent_since: datetime) -> int:
        """Rows of nodes not heard of since then (stopped, or gone without a word) removed."""
        with self.engine.begin() as connection:
            done = connection.execute(
                delete(s.nodes).where(s.nodes.c.last_heartbeat_at < silent_since)
            )
        return done.rowcount

    # --- scheduling -------------------------------------------------------------------------

    def due_source_ids(self, now: datetime) -> list[int]:
        """Active sources due now (never collected, or past next_due_at), but not those with
        a job waiting or running already (the task engine's own table, by their lock)."""
        with self.engine.connect() as connection:
            return list(connection.execute(DUE_SOURCES, {"now": now}).scalars())

    def take_turn(
        self, name: str, now: datetime, next_after: Callable[[datetime], datetime]
    ) -> bool:
        """True once per due time of `name` across the fleet (the row is locked while read).

        The first call only writes the first due time: a new fleet does not act at once.
        """
        c = s.fleet_schedule.c
        with self.engine.begin() as connection:
            row = connection.execute(
                select(c.next_at).where(c.name == name).with_for_update()
            ).first()
            if row is None:
                try:
                    with connection.begin_nested():
                        connection.execute(
                            insert(s.fleet_schedule).values(name=name, next_at=next_after(now))
                        )
                except IntegrityError:
                    pass  # another node wrote it first
                return False
            if row.next_at > now:
                return False
            connection.execute(
                update(s.fleet_schedule).where(c.name == name).values(next_at=next_after(now))
            )
            return True

    def set_next(self, name: str, at: datetime) -> None:
        """Set when `name` is next due (a digest missed while the fleet was down, in tests)."""
        c = s.fleet_schedule.c
        with self.engine.begin() as connection:
            done = connection.execute(
                update(s.fleet_schedule).where(c.name == name).values(next_at=at)
            )
            if done.rowcount == 0:
                connection.execute(insert(s.fleet_schedule).values(name=name, next_at=at))

    def next_at(self, name: str) -> datetime | None:
        c = s.fleet_schedule.c
        with self.engine.connect() as connection:
            return connection.execute(select(c.next_at).where(c.name == name)).scalar()

    # --- locks -------------------------------------------------------------------------------

    def try_shared_lock(self, key: int) -> Connection | None:
        """Hold a shared session advisory lock on a connection of its own; None when a process
        holds it exclusively. Many nodes share it; `monitor run` (exclusive) cannot join them."""
        connection = self.engine.connect()
        got = connection.execute(text("SELECT pg_try_advisory_lock_shared(:key)"), {"key": key})
        held = bool(got.scalar())
        connection.commit()
        if not held:
            connection.close()
            return None
        return connection

    @staticmethod
    def release_shared_lock(connection: Connection, key: int) -> None:
        connection.execute(text("SELECT pg_advisory_unlock_shared(:key)"), {"key": key})
        connection.commit()
        connection.invalidate()  # never back to the pool with a session lock on it
        connection.close()


class SetupLock:
    """The fleet's setup lock, on a connection of its own: one node at a time creates or
    upgrades the schema (the store's, the task engine's) and writes the sources. Waits for
    a server still starting (up to `wait_s`), then for the node holding the lock."""

    def __init__(self, url: str, wait_s: float):
        from monitor.store import _engine
        from monitor.store.reach import when_reachable

        self._engine = _engine(url)
        self._connection: Connection | None = when_reachable(self._engine.connect, wait_s)
        self._connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SETUP_LOCK_KEY})
        self._connection.commit()

    def has_table(self, name: str) -> bool:
        assert self._connection is not None
        found = inspect(self._connection).has_table(name)
        self._connection.commit()
        return found

    def release(self) -> None:
        """Let the next node set up (again: nothing)."""
        if self._connection is None:
            return
        self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SETUP_LOCK_KEY})
        self._connection.commit()
        self._connection.close()
        self._connection = None
        self._engine.dispose()
