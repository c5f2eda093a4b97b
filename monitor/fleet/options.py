"""`monitor worker`'s options, checked: each mistake is one plain line (exit 2)."""

from __future__ import annotations

from monitor.config import Config
from monitor.errors import ConfigError
from monitor.fleet import QUEUES
from monitor.fleet.node import NodeSettings, default_name
from monitor.units import parse_duration

# How often the plan may run: a whole number of seconds, or of minutes, dividing a minute
# (an hour): the engine's periodic schedule is a cron line.
_DIVIDES = {1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60}


def node_settings(
    config: Config,
    *,
    queue: str,
    concurrency: int | None,
    name: str | None,
    plan_every: str,
    heartbeat_every: str,
    stalled_after: str,
) -> NodeSettings:
    plan_s = _seconds("--plan-every", plan_every)
    if not (plan_s in _DIVIDES or (plan_s % 60 == 0 and plan_s // 60 in _DIVIDES)):
        raise ConfigError(
            f"--plan-every: a number of seconds or minutes that divides a minute or an hour, "
            f"like 10s or 1m (got {plan_every!r})"
        )
    heartbeat_s = _seconds("--heartbeat-every", heartbeat_every)
    stalled_s = _seconds("--stalled-after", stalled_after)
    if stalled_s < 2 * heartbeat_s:
        raise ConfigError(
            f"--stalled-after must be at least twice --heartbeat-every, or a busy node "
            f"would look silent (got {stalled_after!r} and {heartbeat_every!r})"
        )
    if concurrency is not None and concurrency < 1:
        raise ConfigError(f"--concurrency: at least 1 (got {concurrency})")
    return NodeSettings(
        name=name or default_name(),
        queues=QUEUES if queue == "all" else (queue,),
        concurrency=concurrency or config.collect.concurrency,
        plan_every_s=plan_s,
        heartbeat_s=heartbeat_s,
        stalled_after_s=stalled_s,
    )


def _seconds(option: str, text: str) -> int:
    try:
        span = parse_duration(text)
    except ValueError as error:
        raise ConfigError(f"{option}: {error}") from None
    seconds = span.total_seconds()
    if seconds < 1 or seconds != int(seconds):
        raise ConfigError(f"{option}: a whole number of seconds, at least 1s (got {text!r})")
    return int(seconds)
