"""One `monitor run` per database: a lock that vanishes with the process holding it."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from monitor.errors import MonitorError
from monitor.store import Store, redact_password

# pg_advisory_lock key of `monitor run`: one instance per database.
ADVISORY_LOCK_KEY = 0x6D6F6E69746F72  # "monitor"


class AlreadyRunning(MonitorError):
    """Another `monitor run` holds this database."""

    exit_code = 2


@contextmanager
def instance_lock(store: Store) -> Iterator[None]:
    """Hold the database for this process; AlreadyRunning if another process holds it.

    SQLite: flock on `<database>.lock`; PostgreSQL: an advisory lock on a connection of
    its own. Both vanish with the process, so a crash never leaves the lock stuck.
    """
    if store.dialect == "postgresql":
        connection = store.try_advisory_lock(ADVISORY_LOCK_KEY)
        if connection is None:
            raise _already_running(store.url)
        try:
            yield
        finally:
            store.release_advisory_lock(connection, ADVISORY_LOCK_KEY)
        return
    database = store.engine.url.database
    if not database or database == ":memory:":
        yield  # a private database: nobody else can open it
        return
    with open(f"{database}.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _already_running(store.url) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _already_running(url: str) -> AlreadyRunning:
    return AlreadyRunning(
        f"another `monitor run` is already using the database {redact_password(url)}; "
        "stop it first (only one may run at a time)"
    )
