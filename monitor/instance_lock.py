"""One writer per database, `monitor run` or `monitor collect`: a lock that vanishes with
the process holding it. Two collecting at once would insert the same posts twice (and one
of them would fail on the unique key)."""

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
    """Another `monitor run` or `monitor collect` holds this database.

    Exit 1, not 2 (bad input): a lock left by a process that is still going away is released
    in seconds, so a service manager's restart succeeds.
    """

    exit_code = 1


@contextmanager
def instance_lock(store: Store, purpose: str = "monitor run") -> Iterator[None]:
    """Hold the database for this process; AlreadyRunning if another process holds it.

    SQLite: flock on `<database>.lock`; PostgreSQL: an advisory lock on a connection of
    its own. Both vanish with the process, so a crash never leaves the lock stuck.
    """
    if store.dialect == "postgresql":
        connection = store.try_advisory_lock(ADVISORY_LOCK_KEY)
        if connection is None:
            raise _already_running(store.url, None, purpose)
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
            handle.seek(0)
            holder = handle.read().partition(" ")[2].strip() or "monitor run"
            raise _already_running(store.url, holder, purpose) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()} {purpose}\n")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _already_running(url: str, holder: str | None, purpose: str) -> AlreadyRunning:
    """`holder` is the command holding the lock, where the lock can tell (SQLite)."""
    database = redact_password(url)
    if holder == "monitor collect":
        return AlreadyRunning(
            f"a `monitor collect` is already using the database {database}; wait for it to "
            "finish (only one may write to it at a time)"
        )
    # PostgreSQL cannot say who: a `monitor run`, a `monitor collect`, or fleet nodes
    # (`monitor worker` holds the same lock, shared, while it runs)
    who = "`monitor run`" if holder else "`monitor run` (or a `monitor collect`, or fleet nodes)"
    advice = (
        "it collects every source on schedule; stop it first to collect by hand"
        if purpose == "monitor collect"
        else "stop it first"
    )
    return AlreadyRunning(
        f"another {who} is already using the database {database}; {advice} "
        "(only one may write to it at a time)"
    )
