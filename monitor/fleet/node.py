"""What a node's jobs share: configuration, store, one polite HTTP client, what it is doing."""

from __future__ import annotations

import os
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from monitor.alerts.runner import AlertChecks
from monitor.config import Config
from monitor.net import HttpClient
from monitor.smtp import Interrupt
from monitor.store import Store
from monitor.store.fleet import FleetStore


@dataclass(frozen=True)
class NodeSettings:
    """How a node runs: `monitor worker`'s options."""

    name: str
    queues: tuple[str, ...]
    concurrency: int  # jobs at once on this node (requests at once: collect.concurrency)
    plan_every_s: int = 10
    heartbeat_s: int = 10
    stalled_after_s: int = 30  # a node silent this long has its jobs taken back


def default_name() -> str:
    """host-pid: unique on a machine; a container restarted with the same pid is the same."""
    return f"{socket.gethostname()}-{os.getpid()}"


@dataclass
class Node:
    config: Config
    store: Store
    fleet: FleetStore
    settings: NodeSettings
    clock: Callable[[], datetime]
    client: HttpClient | None = None
    alerts: AlertChecks | None = None  # the check after each collection (alerts on)
    ssl_context: ssl.SSLContext | None = None
    interrupt: Interrupt = field(default_factory=Interrupt)  # stops an SMTP exchange at a stop
    stopping: threading.Event = field(default_factory=threading.Event)
    doing: dict[int, str] = field(default_factory=dict)  # job id -> what it is
    done: int = 0  # jobs finished since the start

    def activity(self) -> str:
        """What `monitor status` shows: 'idle', or the jobs in progress."""
        if not self.doing:
            return f"idle ({self.done} jobs done)"
        shown = sorted(self.doing.values())[:3]
        more = len(self.doing) - len(shown)
        return "; ".join(shown) + (f" and {more} more" if more else "")
