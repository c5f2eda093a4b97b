"""Is the monitor healthy? The answer of `monitor status` (exit 0 or 1, and `--json`).

Degraded means something a person should look at: a source failing or stale, a digest
whose delivery failed, was held or is stuck, or a `monitor run` that stopped beating.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from monitor.store import SourceRecord, Store
from monitor.store.fleet import FleetStore, NodeRecord

# `monitor run` records a heartbeat this often; older than twice this, the job is not alive.
HEARTBEAT_S = 60
JOB_RUN_KIND = "job"
# A digest still "being sent" this long after its last attempt is stuck.
STUCK_AFTER = timedelta(hours=1)
# An alert that could not be sent makes the monitor degraded for this long (it is not retried).
ALERT_FAILURE_SHOWN = timedelta(hours=24)
# Fleet nodes not heard of for this long are no longer shown (their rows are then removed).
NODES_SHOWN_FOR = timedelta(days=1)
_BAD_DELIVERY = {"failed": "failed", "partial": "reached only some recipients", "held": "held"}


@dataclass(frozen=True)
class Health:
    healthy: bool
    problems: list[str]
    job: dict[str, Any]
    sources: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    nodes: list[dict[str, Any]] = field(default_factory=list)  # fleet mode's `monitor worker`s
    chat: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> str:
        """'2 sources failing or stale, 1 digest not delivered, the job is not running'."""
        failing = sum(s["state"] in ("failing", "stale") for s in self.sources)
        undelivered = sum(d["status"] in (*_BAD_DELIVERY, "stuck") for d in self.deliveries)
        parts = []
        if failing:
            parts.append(f"{failing} source{'s' * (failing > 1)} failing or stale")
        if undelivered:
            parts.append(f"{undelivered} digest{'s' * (undelivered > 1)} not delivered")
        if failed_alerts := sum(a["needs_a_look"] for a in self.alerts):
            parts.append(f"{failed_alerts} alert{'s' * (failed_alerts > 1)} not sent")
        if failing_chat := sum(c["state"] == "failing" for c in self.chat):
            parts.append(f"{failing_chat} chat channel{'s' * (failing_chat > 1)} failing")
        if self.job["state"] == "silent":
            parts.append("the job (`monitor run`) has stopped recording its heartbeat")
        silent = sum(n["state"] == "silent" for n in self.nodes)
        if silent:
            parts.append(f"{silent} fleet node{'s' * (silent > 1)} silent")
        return ", ".join(parts)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = "healthy" if self.healthy else "degraded"
        return _iso(data)


def assess(
    store: Store,
    now: datetime,
    chat_channels: Collection[str] = (),
    records: list[SourceRecord] | None = None,
) -> Health:
    """`chat_channels`: the names of the channels in the configuration (a channel removed
    from it keeps its row, and is not a problem any more). `records`: the active sources,
    when the caller has just read them (`monitor status` shows them too)."""
    problems: list[str] = []
    records = store.sources() if records is None else records
    sources = [_source(record, problems) for record in records]
    deliveries = [_delivery(record, now, problems) for record in store.deliveries()]
    job = _job(store, now, problems)
    alerts = [_alert(record, now, problems) for record in store.recent_alerts()]
    nodes = node_health(FleetStore(store).nodes(), now, problems)
    known = {record.name: record for record in store.chat_channels()}
    chat = [_chat(name, known.get(name), problems) for name in chat_channels]
    return Health(not problems, problems, job, sources, deliveries, alerts, nodes, chat)


def _source(record, problems: list[str]) -> dict[str, Any]:
    name = f"{record.company} {record.kind} {record.label or record.target}"
    if record.stale_reason:
        state = "stale"
        problems.append(f"{name}: stale: {record.stale_reason}")
    elif record.last_error_kind:
        state = "failing"
        problems.append(f"{name}: {record.last_error_kind}: {record.last_error_message}")
    else:
        state = "ok" if record.last_ok_at else "not collected yet"
    return {
        "company": record.company,
        "kind": record.kind,
        "target": record.target,
        "state": state,
        "error_kind": record.last_error_kind,
        "error": record.last_error_message or record.stale_reason,
        "consecutive_failures": record.consecutive_failures,
        "last_ok_at": record.last_ok_at,
        "next_due_at": record.next_due_at,
    }


def _delivery(record, now: datetime, problems: list[str]) -> dict[str, Any]:
    stuck = record.status == "sending" and (
        record.updated_at is None or now - record.updated_at > STUCK_AFTER
    )
    if record.status in _BAD_DELIVERY:
        problems.append(f"digest {record.week}: {_BAD_DELIVERY[record.status]}")
    elif stuck:
        problems.append(f"digest {record.week}: stuck while being sent")
    return {
        "week": record.week,
        "status": "stuck" if stuck else record.status,
        "attempts": record.attempts,
        "sent_at": record.sent_at,
        "error": record.error,
    }


def _alert(record, now: datetime, problems: list[str]) -> dict[str, Any]:
    """An alert that no channel took needs a look: while it is tried again (pending, with the
    last try's error), and for ALERT_FAILURE_SHOWN after it was given up."""
    retrying = record.status == "pending" and record.error is not None
    given_up = record.status == "failed" or (record.status == "expired" and bool(record.error))
    needs_a_look = retrying or (given_up and now - record.updated_at < ALERT_FAILURE_SHOWN)
    if retrying:
        problems.append(f"alert not sent yet (tried again later): {record.subject}: {record.error}")
    elif needs_a_look:
        problems.append(f"alert not sent: {record.subject}: {record.error}")
    return {
        "kind": record.kind,
        "company": record.company,
        "subject": record.subject,
        "status": record.status,
        "detected_at": record.detected_at,
        "sent_at": record.sent_at,
        "sent_to": record.channels,
        "error": record.error,
        "needs_a_look": needs_a_look,
    }


def _chat(name: str, record, problems: list[str]) -> dict[str, Any]:
    """A channel whose last message failed (after its retries) needs a look."""
    if record is None:
        state = "not used yet"
    elif record.consecutive_failures:
        state = "failing"
        failures = record.consecutive_failures
        problems.append(
            f"chat {name}: the last {failures} message{'s' * (failures > 1)} failed: "
            f"{record.last_error}"
        )
    else:
        state = "ok"
    return {
        "name": name,
        "state": state,
        "last_ok_at": record.last_ok_at if record else None,
        "consecutive_failures": record.consecutive_failures if record else 0,
        "error": record.last_error if record and record.consecutive_failures else None,
        "weekly_week": record.weekly_week if record else None,
    }


def _job(store: Store, now: datetime, problems: list[str]) -> dict[str, Any]:
    last = store.last_run(JOB_RUN_KIND)
    if last is None:
        return {"state": "never run", "started_at": None, "last_heartbeat_at": None}
    started_at, beat_at, note = last
    beat_at = beat_at or started_at
    state = "stopped" if note == "stopped" else "running"
    if state == "running" and now - beat_at > timedelta(seconds=2 * HEARTBEAT_S):
        state = "silent"
        minutes = (now - beat_at).total_seconds() / 60
        problems.append(
            f"the job (`monitor run`) last recorded a heartbeat {minutes:.0f} min ago "
            f"(it does every {HEARTBEAT_S} s): it is not running"
        )
    return {
        "state": state,
        "started_at": started_at,
        "last_heartbeat_at": beat_at,
        "heartbeat_every_s": HEARTBEAT_S,
    }


def node_health(records: list[NodeRecord], now: datetime, problems: list[str]) -> list[dict]:
    """Each fleet node seen in the last day: running, silent (two beats missed) or stopped."""
    nodes = []
    for record in records:
        if now - record.last_heartbeat_at > NODES_SHOWN_FOR:
            continue
        silent_s = (now - record.last_heartbeat_at).total_seconds()
        state = "stopped" if record.stopped_at else "running"
        if state == "running" and silent_s > 2 * record.heartbeat_every_s:
            state = "silent"
            problems.append(
                f"fleet node {record.name} last recorded a heartbeat {silent_s:.0f} s ago (it "
                f"does every {record.heartbeat_every_s} s): it is not running"
            )
        nodes.append(
            {
                "name": record.name,
                "hostname": record.hostname,
                "pid": record.pid,
                "queues": record.queues,
                "state": state,
                "started_at": record.started_at,
                "last_heartbeat_at": record.last_heartbeat_at,
                "heartbeat_every_s": record.heartbeat_every_s,
                "doing": record.doing,
            }
        )
    return nodes


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso(v) for v in value]
    return value
