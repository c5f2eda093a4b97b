"""What the terminal shows: the status and collection tables, in plain words."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from monitor.clock import utc_now
from monitor.store import SourceRecord, Store
from monitor.terminal import styled

if TYPE_CHECKING:
    from monitor.collect import SourceOutcome


# Up to this many sources, every one gets its row; past it a row per company, and a row only
# for the sources that need a look (a table of 10,000 rows is read by nobody, and slow).
LISTED_IN_FULL = 40


def print_status(
    out: Console,
    store: Store,
    needs: dict[tuple[str, str, str], list[str]] | None = None,
    *,
    every_source: bool = False,
    records: list[SourceRecord] | None = None,
) -> None:
    """Every source's health and what its kind still needs, then every week's digest.
    `records`: the active sources, when the caller has just read them."""
    now = utc_now()
    records = store.sources() if records is None else records
    posts = store.post_counts_by_source()
    needs = needs or {}
    if every_source or len(records) <= LISTED_IN_FULL:
        out.print(_sources_table("Sources", records, posts, needs, now))
    else:
        out.print(_companies_table(records, posts, needs))
        flagged = [r for r in records if _needs_a_look(r, needs)]
        if flagged:
            out.print(_sources_table("Sources that need a look", flagged, posts, needs, now))
        fine = len(records) - len(flagged)
        out.print(
            f"{fine:,} of {len(records):,} sources are fine; `monitor status --all` lists each."
        )
    _print_deliveries(out, store, now)


def _needs_a_look(record: SourceRecord, needs: dict[tuple[str, str, str], list[str]]) -> bool:
    missing = needs.get((record.company, record.kind, record.target))
    return bool(record.stale_reason or record.last_error_kind or missing)


def _companies_table(
    records: list[SourceRecord],
    posts: dict[int, int],
    needs: dict[tuple[str, str, str], list[str]],
) -> Table:
    table = Table(title="Companies", title_justify="left")
    for column in ("Company", "Sources", "Posts", "OK", "Need a look", "Not collected yet"):
        table.add_column(column)
    by_company: dict[str, list[SourceRecord]] = {}
    for record in records:
        name = record.company + (" (us)" if record.is_self else "")
        by_company.setdefault(name, []).append(record)
    for name, group in by_company.items():
        flagged = sum(_needs_a_look(r, needs) for r in group)
        waiting = sum(not r.last_ok_at and not _needs_a_look(r, needs) for r in group)
        table.add_row(
            name,
            f"{len(group):,}",
            f"{sum(posts.get(r.id, 0) for r in group):,}",
            f"{len(group) - flagged - waiting:,}",
            styled("[yellow]{}[/yellow]", f"{flagged:,}") if flagged else "0",
            f"{waiting:,}",
        )
    return table


def _sources_table(
    title: str,
    records: list[SourceRecord],
    posts: dict[int, int],
    needs: dict[tuple[str, str, str], list[str]],
    now: datetime,
) -> Table:
    from monitor.kinds import all_kinds

    table = Table(title=title, title_justify="left")
    for column in ("Company", "Source", "Posts", "Last success", "Problem", "Failures", "Next"):
        table.add_column(column)
    for record in records:
        if record.stale_reason:
            problem = styled("[yellow]stale[/yellow]: {}", record.stale_reason)
        elif record.last_error_kind:
            problem = styled("[red]{}[/red]: {}", record.last_error_kind, record.last_error_message)
        else:
            problem = styled("[green]ok[/green]") if record.last_ok_at else "not collected yet"
        declared = all_kinds().get(record.kind)  # an old row's kind may be gone
        note = declared.limits_note if declared else None
        where = styled("{} {}", record.kind, record.label or record.target)
        if note:
            where += styled("\n[dim]{}[/dim]", note)
        for need in needs.get((record.company, record.kind, record.target), []):
            where += styled("\n[yellow]{}[/yellow]", need)
        table.add_row(
            record.company + (" (us)" if record.is_self else ""),
            where,
            str(posts.get(record.id, 0)),
            _when(record.last_ok_at, now) if record.last_ok_at else "never",
            problem,
            str(record.consecutive_failures),
            "now"
            if not record.next_due_at or record.next_due_at <= now
            else _when(record.next_due_at, now),
        )
    return table


def _print_deliveries(out: Console, store: Store, now: datetime) -> None:
    from monitor.deliver import delivery_rows

    deliveries = delivery_rows(store, now)
    if not deliveries:
        out.print("No digest has been written yet.")
        return
    weekly = Table(title="Digests", title_justify="left")
    for column in ("Week", "Recipients", "Status", "Attempts", "Sent", "Problem"):
        weekly.add_column(column)
    for d in deliveries:
        sent = _when(d["sent_at"], now) if d["sent_at"] else ""
        weekly.add_row(
            d["week"], d["recipients"], d["status"], str(d["attempts"]), sent, d["error"] or ""
        )
    out.print(weekly)


def print_alerts(out: Console, store: Store, limit: int = 10) -> None:
    """The newest alerts: what each said, and what became of it."""
    alerts = store.recent_alerts(limit)
    if not alerts:
        return
    now = utc_now()
    table = Table(title="Alerts (newest first)", title_justify="left")
    for column in ("Found", "Alert", "Status", "Sent to"):
        table.add_column(column)
    for alert in alerts:
        status = Text(alert.status)
        if alert.error:
            status += styled("\n[red]{}[/red]", alert.error)
        table.add_row(_when(alert.detected_at, now), Text(alert.subject), status,
                      Text(alert.channels or ""))  # fmt: skip
    out.print(table)


def print_chat(out: Console, channels: list[dict], addresses: dict[str, str]) -> None:
    """Each chat channel: where it posts (its secrets masked), its last outcome."""
    if not channels:
        return
    now = utc_now()
    table = Table(title="Chat channels", title_justify="left")
    for column in ("Channel", "Posts to", "State", "Last success", "Problem"):
        table.add_column(column, overflow="fold")  # an address is shown whole, never cut
    for channel in channels:
        state = channel["state"]
        shown = styled("[red]{}[/red]", state) if state == "failing" else Text(state)
        last_ok = _when(channel["last_ok_at"], now) if channel["last_ok_at"] else "never"
        table.add_row(Text(channel["name"]), Text(addresses.get(channel["name"], "")), shown,
                      last_ok, Text(channel["error"] or ""))  # fmt: skip
    out.print(table)


def _when(moment: datetime, now: datetime) -> str:
    """'3 h ago', 'in 20 min': enough to judge a source's health at a glance."""
    seconds = (moment - now).total_seconds()
    span = abs(seconds)
    if span < 90:
        text = f"{span:.0f} s"
    elif span < 5400:
        text = f"{span / 60:.0f} min"
    elif span < 172800:
        text = f"{span / 3600:.0f} h"
    else:
        text = f"{span / 86400:.0f} days"
    return f"in {text}" if seconds > 0 else f"{text} ago"


def print_outcomes(
    out: Console, outcomes: list[SourceOutcome], *, every_source: bool = False
) -> None:
    """What each source gave; past 40 sources, only those with something to say."""
    shown = sorted(outcomes, key=lambda o: (o.company, o.kind, o.target))
    in_full = every_source or len(outcomes) <= LISTED_IN_FULL
    if not in_full:
        shown = [o for o in shown if not o.ok or o.warnings or o.error_kind == "stale"]
    if shown:
        out.print(_outcomes_table("Collection" if in_full else "Sources that need a look", shown))
    failed = sum(not o.ok for o in outcomes)
    out.print(f"{len(outcomes) - failed} sources collected, {failed} failed.")
    if not in_full:
        new = sum(o.new_posts for o in outcomes if o.ok)
        out.print(
            f"{new:,} new posts in all; `monitor collect --all` shows a row for every source."
        )


def _outcomes_table(title: str, outcomes: list[SourceOutcome]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("Company", "Source", "Result"):
        table.add_column(column)
    for o in outcomes:
        if not o.ok:
            result = styled("[red]{}[/red]: {}", o.error_kind, o.error_message)
        else:
            result = Text(
                "unchanged since last time"
                if o.unchanged
                else f"{o.new_posts} new posts, {o.updated_counts} updated counts"
            )
            if o.error_kind == "stale":
                result += styled("\n[yellow]stale[/yellow]: {}", o.error_message)
        for warning in o.warnings:
            result += styled("\n[yellow]note[/yellow]: {}", warning)
        table.add_row(o.company, f"{o.kind} {o.label or o.target}", result)
    return table


def print_nodes(out: Console, nodes: list[dict]) -> None:
    """Fleet mode's nodes (`monitor worker`): when each last beat, and what it is doing."""
    if not nodes:
        return
    now = utc_now()
    table = Table(title="Fleet nodes", title_justify="left")
    for column in ("Node", "Process", "Queues", "State", "Started", "Last heartbeat", "Doing"):
        table.add_column(column)
    for node in nodes:
        state = node["state"]
        shown = styled("[red]{}[/red]", state) if state == "silent" else Text(state)
        table.add_row(
            Text(node["name"]), Text(f"{node['hostname']} pid {node['pid']}"),
            Text(node["queues"]), shown, _when(node["started_at"], now),
            _when(node["last_heartbeat_at"], now), Text(node["doing"]),
        )  # fmt: skip
    out.print(table)
