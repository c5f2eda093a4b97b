"""Fleet mode: collection on several processes and machines sharing one PostgreSQL store.

Built on Procrastinate (a task engine that keeps its queue, locks and periodic schedule in
that same PostgreSQL): every `monitor worker` is a node. A periodic plan, run by one node
each tick, hands each due source to the queue once; any node collects it through the same
code as `monitor run` (collect.run_cycle); the digest is made and sent once. SQLite and
`monitor run` stay the single-machine default, untouched by any of this.
"""

from __future__ import annotations

from monitor.errors import ConfigError
from monitor.store import redact_password

QUEUES = ("collect", "control")  # collection jobs; the plan and the digest


def require_postgresql(url: str) -> None:
    """Fleet mode needs a database that every node reaches: a plain message otherwise."""
    if not url.startswith("postgresql"):
        raise ConfigError(
            f"fleet mode needs PostgreSQL, and `database:` is {redact_password(url)}: "
            "several nodes cannot share a SQLite file. Set `database:` to a "
            "postgresql+psycopg://user@host/db URL, or use `monitor run` on one machine."
        )


def require_engine() -> None:
    """The task engine is an optional part of the install: say how to add it."""
    try:
        import procrastinate  # noqa: F401
    except ImportError:
        raise ConfigError(
            "fleet mode needs Procrastinate, which this install does not have: "
            "pip install 'competitor-monitor[fleet]'"
        ) from None


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL (postgresql+psycopg://…) as libpq reads it (postgresql://…)."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
