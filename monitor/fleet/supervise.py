"""`monitor run --workers N`: N fleet nodes on this machine, started and watched by one command.

Each node is a `monitor worker` process of its own (its own interpreter, so the nodes use
the machine's cores); they share the work through PostgreSQL exactly as nodes on different
machines do. A node that exits with an error is started again after a pause (exit 2, bad
input, would fail the same way: it stops everything); SIGTERM or SIGINT is passed on to every
node, and the command exits 0 once they have all stopped.
"""

from __future__ import annotations

import logging
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

from monitor.errors import ConfigError

log = logging.getLogger("monitor.fleet")

RESTART_AFTER_S = 5.0  # a node that failed is started again after this pause
POLL_S = 0.2


def run_workers(config_path: Path, workers: int, options: list[str]) -> None:
    """Run `workers` nodes until SIGTERM/SIGINT; ConfigError when one refuses its input."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    names = [f"{socket.gethostname()}-run-{index + 1}" for index in range(workers)]
    nodes = {name: _start(config_path, name, options) for name in names}
    log.info("started %d fleet nodes: %s", workers, ", ".join(names))
    try:
        _watch(nodes, config_path, options, stop)
    finally:
        _stop_all(nodes)


def _start(config_path: Path, name: str, options: list[str]) -> subprocess.Popen:
    command = [sys.executable, "-m", "monitor", "worker", "-c", str(config_path),
               "--name", name, *options]  # fmt: skip
    return subprocess.Popen(command)


def _watch(nodes: dict, config_path: Path, options: list[str], stop: threading.Event) -> None:
    waiting: dict[str, float] = {}  # name -> seconds until it is started again
    while not stop.wait(POLL_S):
        for name, process in list(nodes.items()):
            code = process.poll()
            if code is None:
                continue
            if code == 2:
                raise ConfigError(f"fleet node {name} refused its input (exit 2): see above")
            if name not in waiting:
                log.warning("fleet node %s exited with %s; starting it again", name, code)
                waiting[name] = RESTART_AFTER_S
        for name in list(waiting):
            waiting[name] -= POLL_S
            if waiting[name] <= 0:
                del waiting[name]
                nodes[name] = _start(config_path, name, options)


def _stop_all(nodes: dict[str, subprocess.Popen]) -> None:
    for process in nodes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for name, process in nodes.items():
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            log.warning("fleet node %s did not stop within 60 s; killed", name)
            process.kill()
            process.wait()
