"""The command line: one thin function a command. Layers are wired here and in scheduler.py."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import wraps
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text
from typer.core import TyperCommand, TyperGroup

from monitor.cli_setup import find_config, write_starter
from monitor.cli_tables import (
    print_alerts,
    print_chat,
    print_nodes,
    print_outcomes,
    print_status,
)
from monitor.clock import utc_now
from monitor.config import Config, load_config, missing_secrets, source_needs
from monitor.errors import ConfigError, MonitorError
from monitor.store import Store
from monitor.terminal import console, styled


class _PlainFlags:
    """typer 0.29 writes "<bool>" beside each flag it adds itself (--help, --install-completion)
    in help pages; they show no type, as the commands' own flags do (metavar="")."""

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)  # type: ignore[misc]
        for param in params:
            if getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = ""
        return params


class _Command(_PlainFlags, TyperCommand):
    pass


class _Group(_PlainFlags, TyperGroup):
    pass


class _App(typer.Typer):
    """The command line's Typer: each command's help page as plain as the options it lists."""

    def command(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("cls", _Command)
        return super().command(*args, **kwargs)


app = _App(
    cls=_Group,
    help="Watch competitors' public social activity and send a weekly digest to your executives.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
out = console()
err = console(stderr=True)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY = timedelta(days=1)
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="The configuration file (default: $MONITOR_CONFIG, else the first of "
        "config/monitor.yaml, ~/.config/competitor-monitor/monitor.yaml, "
        "/etc/competitor-monitor/monitor.yaml).",
        metavar="FILE",
        show_default=False,
    ),
]
EverySourceOption = Annotated[
    bool,
    typer.Option(
        "--all",
        metavar="",
        help="A row for every source, however many (past 40, only those that need a look).",
    ),
]
WaitForDatabaseOption = Annotated[
    str,
    typer.Option(
        help="How long to wait for a database server that does not answer yet, like 2m.",
        metavar="DURATION",
    ),
]


class LogLevel(StrEnum):
    debug = "debug"
    info = "info"
    warning = "warning"
    error = "error"


class LogFormat(StrEnum):
    plain = "plain"
    json = "json"


LogFormatOption = Annotated[LogFormat, typer.Option(help="How log lines look.")]


class ExportTable(StrEnum):
    posts = "posts"
    accounts = "accounts"
    weekly = "weekly"
    mentions = "mentions"
    outcomes = "outcomes"


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"


# Files the monitor creates (database, outbox, lock) are the owner's only; README: sharing.
OWNER_ONLY_UMASK = 0o077
_log_level = logging.WARNING  # set by the global -v/--log-level; `monitor run` logs INFO
_log_chosen = False


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        out.print(f"competitor-monitor {version('competitor-monitor')}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version,
            is_eager=True,
            metavar="",
            help="Print the version and stop.",
        ),
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", metavar="", help="Say more of what happens (--log-level info)."
        ),
    ] = False,
    log_level: Annotated[
        LogLevel | None,
        typer.Option(help="How much to log: debug, info, warning or error.", show_default=False),
    ] = None,
) -> None:
    """Watch competitors' public social activity and send a weekly digest to your executives."""
    global _log_level, _log_chosen
    os.umask(OWNER_ONLY_UMASK)
    chosen = log_level.value if log_level else ("info" if verbose else None)
    if chosen is not None:
        _log_level, _log_chosen = getattr(logging, chosen.upper()), True


def _config_path(path: Path | None) -> Path:
    return find_config(path)


def _load(path: Path | None) -> Config:
    config = load_config(_config_path(path))
    if _log_chosen:  # after loading: the log masks the secrets the file names
        from monitor.logs import setup_logging

        setup_logging(config, level=_log_level)
    return config


def plain_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Every expected error becomes one plain message and its exit status; no traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except MonitorError as error:
            err.print(styled("[red]Error:[/red] {}", error), soft_wrap=True)
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            err.print("Interrupted.")
            raise typer.Exit(130) from None

    return wrapper


def _register_demo() -> None:
    from monitor.demo.cli import demo

    app.command("demo")(demo)


_register_demo()


@app.command()
@plain_errors
def validate(config: ConfigOption = None) -> None:
    """Check a configuration file and list every problem in it (exit 2 when there is one)."""
    path = _config_path(config)
    loaded = load_config(path)
    sources = sum(len(c.sources) for c in loaded.companies)
    outcomes = len(loaded.outcome_sources)
    out.print(
        styled(
            "[green]OK[/green] {}: {} companies (us: {}), {} sources{}.",
            path,
            len(loaded.companies),
            loaded.organization.name,
            sources,
            f", {outcomes} outcome source{'s' if outcomes > 1 else ''}" if outcomes else "",
        )
    )
    if loaded.spend is not None:
        spend = loaded.spend
        out.print(f"Spend: {spend.amount:,.2f} {spend.currency} a {spend.per}.")
    for warning in missing_secrets(loaded):
        out.print(styled("[yellow]Note:[/yellow] {}; it is needed when that part runs.", warning))
    _print_alert_settings(loaded)
    _print_chat_settings(loaded)
    for (company, kind, target), needs in source_needs(loaded).items():
        for need in needs:
            out.print(
                styled(
                    "[yellow]Note:[/yellow] {} {} {} {}; it cannot be collected until then.",
                    company,
                    kind,
                    target,
                    need,
                )
            )


def _chat_addresses(config: Config) -> dict[str, str]:
    from monitor.chat import chat_addresses

    return chat_addresses(config)


def _print_chat_settings(config: Config) -> None:
    """Each channel, what it gets and where it posts; a note when it cannot post."""
    from monitor.chat import channel_url, masked_url

    for channel in config.chat.channels if config.chat else []:
        gets = " and ".join({"alerts": "alerts", "weekly": "the weekly verdict"}[use]
                            for use in channel.send)  # fmt: skip
        if not os.environ.get(channel.url_env):
            continue  # said above, with the other variables that are not set
        try:
            shown = masked_url(channel_url(channel))
        except ConfigError as error:
            out.print(
                styled("[yellow]Note:[/yellow] {}; it gets {} once that is fixed.", error, gets)
            )
        else:
            out.print(Text(f"Chat {channel.name}: gets {gets}; posts to {shown}."))


def _print_alert_settings(config: Config) -> None:
    from monitor.alerts.describe import describe_settings, has_nowhere_to_go

    lines = describe_settings(config)
    if has_nowhere_to_go(config):
        *said, last = lines
        for line in said:
            out.print(Text(line))
        out.print(styled("[yellow]Note:[/yellow] {}", last))
        return
    for line in lines:
        out.print(Text(line))


@app.command("config-schema")
def config_schema_command() -> None:
    """Print the JSON Schema of the configuration file, for editors that autocomplete YAML."""
    from monitor.config_schema import written_schema

    out.print_json(json.dumps(written_schema()))


@app.command()
@plain_errors
def init(
    path: Annotated[Path, typer.Argument(help="Where to write it.", show_default=True)] = Path(
        "config/monitor.yaml"
    ),
    force: Annotated[
        bool, typer.Option("--force", metavar="", help="Replace an existing file.")
    ] = False,
) -> None:
    """Write a commented starter configuration (config/example.yaml) to edit."""
    written = write_starter(path, force=force)
    out.print(f"Written: {written}. Edit it, then run `monitor validate -c {written}`.")


@app.command()
@plain_errors
def status(
    config: ConfigOption = None,
    json_: Annotated[
        bool, typer.Option("--json", metavar="", help="Print it as JSON, for scripts.")
    ] = False,
    every_source: EverySourceOption = False,
) -> None:
    """Show every source's and digest's health; exit 1 when something needs a look."""
    from monitor.health import assess
    from monitor.sync import sync_sources

    loaded = _load(config)
    with Store(loaded.database, create=False) as store:
        sync_sources(loaded, store)
        chats = [c.name for c in loaded.chat.channels] if loaded.chat else []
        records = store.sources()  # read once for the health and the table
        health = assess(store, utc_now(), chat_channels=chats, records=records)
        if json_:
            sys.stdout.write(json.dumps(health.as_json(), indent=2, ensure_ascii=False) + "\n")
        else:
            needs = source_needs(loaded)
            print_status(out, store, needs=needs, every_source=every_source, records=records)
            print_alerts(out, store)
            print_nodes(out, health.nodes)
            _print_alert_settings(loaded)
            print_chat(out, health.chat, _chat_addresses(loaded))
            _print_health(health)
    if not health.healthy:
        raise typer.Exit(1)


def _print_health(health) -> None:
    """One closing line: the tables above already name each source and digest."""
    if health.healthy:
        out.print(styled("[green]Healthy.[/green]"))
        return
    out.print(styled("[yellow]Degraded:[/yellow] {}.", health.summary()))


@app.command()
@plain_errors
def collect(
    config: ConfigOption = None,
    company: Annotated[
        list[str] | None,
        typer.Option(help="Only this company (repeatable).", metavar="NAME", show_default=False),
    ] = None,
    source: Annotated[
        list[str] | None,
        typer.Option(
            help="Only sources whose kind:target contains this text (repeatable).",
            metavar="TEXT",
            show_default=False,
        ),
    ] = None,
    every_source: EverySourceOption = False,
) -> None:
    """Collect every source once, now, and show what each gave (exit 1 if any failed)."""
    from monitor.instance_lock import instance_lock
    from monitor.sync import sync_sources

    loaded = _load(config)
    with (
        _said_by_the_table(),
        Store(loaded.database) as store,
        instance_lock(store, "monitor collect"),
    ):
        sync_sources(loaded, store)
        chosen = _choose_sources(store, company, source)
        report = _collect_with_progress(loaded, store, chosen)
        alerts = _check_alerts(loaded, store, {o.company for o in report.outcomes})
    print_outcomes(out, report.outcomes, every_source=every_source)
    for told in alerts.told:
        out.print(Text(told.describe()))
    if report.failed or alerts.failed:
        raise typer.Exit(1)


def _check_alerts(config: Config, store: Store, companies: set[str]):
    """After the collection: the alerts it brought (none when `alerts` is off or absent)."""
    from monitor.alerts import check_alerts

    return check_alerts(config, store, utc_now(), companies=companies)


@contextmanager
def _said_by_the_table() -> Iterator[None]:
    """The table names each failed source; its log line would say it a second time (unless
    -v or --log-level asked for the log)."""
    logger = logging.getLogger("monitor.collect")
    before = logger.level
    if not _log_chosen:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(before)


def _choose_sources(
    store: Store, companies: list[str] | None, sources: list[str] | None
) -> list[int]:
    records = store.sources()
    if companies:
        wanted = {c.casefold() for c in companies}
        records = [r for r in records if r.company.casefold() in wanted]
    if sources:
        records = [r for r in records if any(s.casefold() in r.key.casefold() for s in sources)]
    if not records:
        raise ConfigError("no source matches --company/--source; `monitor status` lists them")
    return [r.id for r in records]


def _collect_with_progress(config: Config, store: Store, source_ids: list[int]):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from monitor.collect import run_cycle

    columns = (TextColumn("Collecting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("collect", total=len(source_ids))
        return asyncio.run(
            run_cycle(
                config, store, source_ids=source_ids, on_outcome=lambda _o: progress.advance(task)
            )
        )


def _week(text: str | None, config: Config):
    from monitor.metrics import IsoWeek

    if text is None:
        return IsoWeek.last_complete(utc_now(), config.report.timezone)
    try:
        return IsoWeek.parse(text)
    except ValueError as error:
        raise ConfigError(f"--week: {error}") from None


WeekOption = Annotated[
    str | None,
    typer.Option(
        help="The week, like 2026-W47 (default: the last complete week).",
        metavar="WEEK",
        show_default=False,
    ),
]


@app.command()
@plain_errors
def report(
    config: ConfigOption = None,
    week: WeekOption = None,
    send: Annotated[
        bool, typer.Option("--send", metavar="", help="Email it to the recipients now.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", metavar="", help="With --send: send again even if it was sent."),
    ] = False,
    to: Annotated[
        str | None,
        typer.Option(
            help="Send a test copy to this one address only.", metavar="ADDRESS", show_default=False
        ),
    ] = None,
    open_: Annotated[
        bool, typer.Option("--open", metavar="", help="Open the digest in a browser.")
    ] = False,
    pdf: Annotated[
        bool, typer.Option("--pdf", metavar="", help="Also write the digest as an A4 PDF.")
    ] = False,
    pptx: Annotated[
        bool, typer.Option("--pptx", metavar="", help="Also write the digest as a PowerPoint deck.")
    ] = False,
) -> None:
    """Write a week's digest to the outbox (.html, .eml, .txt, .json; .pdf and .pptx when
    asked) and show its verdict."""
    from monitor.sync import sync_sources
    from monitor.weekly import run_week

    loaded = _load(config)
    chosen = _week(week, loaded)
    if to is not None:
        to = _one_address(to)
    now = utc_now()
    with Store(loaded.database, create=False) as store:
        sync_sources(loaded, store)
        documents = frozenset(kind for kind, wanted in (("pdf", pdf), ("pptx", pptx)) if wanted)
        made = run_week(store, loaded, chosen, now, send=send, force=force, test_to=to,
                        documents=documents)  # fmt: skip
    digest, paths = made.digest, made.paths
    out.print(styled("[bold]{}[/bold]", digest.subject))
    if digest.verdict:
        out.print(digest.verdict)
    for number, sentence in enumerate(digest.takeaways, 1):
        out.print(f"  {number}. {sentence}")
    for path in (paths.html, paths.eml, paths.txt, paths.json, *paths.documents.values()):
        out.print(f"Written: {path}")
    if open_:
        _open_in_browser(paths.html)
    result = made.delivery
    if result is not None:
        out.print(result.describe())
    for posted in made.chat:
        out.print(Text(f"Weekly message: {posted.describe()}"))
    if (result is not None and not result.ok) or not all(p.ok for p in made.chat):
        raise typer.Exit(1)


def _one_address(text: str) -> str:
    """--to is one plain address: a list or a typo would send the test copy who knows where."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(text.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ConfigError(
            f"--to: one e-mail address, like you@example.com (got {text!r}: {error})"
        ) from None


def _open_in_browser(path: Path) -> None:
    import webbrowser

    if not webbrowser.open(path.resolve().as_uri()):
        out.print(f"No browser found here; open {path} yourself.")


@app.command()
@plain_errors
def export(
    what: Annotated[ExportTable, typer.Argument(help="What to export.", show_default=False)],
    config: ConfigOption = None,
    week: WeekOption = None,
    company: Annotated[
        str | None, typer.Option(help="Only this company.", metavar="NAME", show_default=False)
    ] = None,
    format_: Annotated[ExportFormat, typer.Option("--format", help="The file format.")] = (
        ExportFormat.csv
    ),
    output: Annotated[
        Path | None,
        typer.Option(
            help="Write to this file instead of the screen.", metavar="FILE", show_default=False
        ),
    ] = None,
) -> None:
    """Export posts, audience history, mentions, a week's figures or our outcomes (what social
    brought us, week by week) as CSV or JSON, for spreadsheets."""
    from monitor import export as exporting
    from monitor.metrics import MetricsSettings

    loaded = _load(config)
    chosen = _week(week, loaded)
    tz = loaded.report.timezone
    since, until = (chosen.start(tz), chosen.end(tz)) if week else (_EPOCH, utc_now() + _DAY)
    with Store(loaded.database, create=False) as store:
        name = _company_named(store, company)
        stream = _output_file(output) if output is not None else sys.stdout
        if what is ExportTable.posts:
            rows = exporting.export_posts(store, since, until, name)
        elif what is ExportTable.mentions:
            rows = exporting.export_mentions(store, since, until, name)
        elif what is ExportTable.accounts:
            rows = exporting.export_accounts(store, since, until, name)
        elif what is ExportTable.outcomes:  # ours only: the trend weeks ending with --week
            settings = MetricsSettings.from_report(loaded.report)
            rows = exporting.export_outcomes(store, chosen, settings, loaded.spend)
        else:
            settings = MetricsSettings.from_report(loaded.report)
            rows = exporting.export_weekly(store, chosen, settings, name)
    exporting.write_rows(rows, format_.value, stream, exporting.COLUMNS[what.value])
    if output is not None:
        stream.close()
        err.print(f"{len(rows)} rows written to {output}")


def _output_file(path: Path):
    """The file to write, opened now: a wrong --output is said in one line before any work."""
    try:
        return path.open("w", encoding="utf-8", newline="")
    except IsADirectoryError:
        raise ConfigError(f"--output: {path} is a folder; give a file name inside it") from None
    except FileNotFoundError:
        raise ConfigError(f"--output: the folder {path.parent} does not exist") from None
    except OSError as error:
        raise ConfigError(f"--output: cannot write {path} ({error.strerror})") from None


def _company_named(store: Store, given: str | None) -> str | None:
    """The company's name as configured, matched without regard to case; unknown is exit 2."""
    if given is None:
        return None
    names = sorted({r.company for r in store.sources()})
    for name in names:
        if name.casefold() == given.casefold():
            return name
    raise ConfigError(f"--company: no company named {given!r}; known: {', '.join(names)}")


@app.command()
@plain_errors
def run(
    config: ConfigOption = None,
    log_format: LogFormatOption = LogFormat.plain,
    wait_for_database: WaitForDatabaseOption = "2m",
    workers: Annotated[
        int,
        typer.Option(
            help="Run N fleet nodes (`monitor worker`) on this machine instead (PostgreSQL).",
            min=0,
        ),
    ] = 0,
) -> None:
    """Run the job: collect every source on its interval and send the digest on schedule."""
    from monitor.scheduler import run_job
    from monitor.units import parse_duration

    try:
        wait = parse_duration(wait_for_database)
    except ValueError as error:
        raise ConfigError(f"--wait-for-database: {error}") from None
    if workers:
        _run_fleet_here(config, workers, log_format, wait_for_database)
        return
    run_job(
        _load(config),
        log_format=log_format.value,
        log_level=_log_level if _log_chosen else logging.INFO,
        wait_for_database_s=wait.total_seconds(),
    )


def _run_fleet_here(config: Path | None, workers: int, log_format, wait: str) -> None:
    """`monitor run --workers N`: the nodes of a fleet, as processes of this machine."""
    from monitor.fleet import require_engine, require_postgresql
    from monitor.fleet.supervise import run_workers
    from monitor.logs import setup_logging

    loaded = _load(config)
    require_postgresql(loaded.database)
    require_engine()
    setup_logging(loaded, log_format.value, level=_log_level if _log_chosen else logging.INFO)
    options = ["--log-format", log_format.value, "--wait-for-database", wait]
    run_workers(_config_path(config).resolve(), workers, options)


class FleetQueue(StrEnum):
    all = "all"
    collect = "collect"
    control = "control"


@app.command()
@plain_errors
def worker(
    config: ConfigOption = None,
    queue: Annotated[
        FleetQueue,
        typer.Option(help="What this node takes: collection jobs, the plan and digest, or all."),
    ] = FleetQueue.all,
    concurrency: Annotated[
        int | None,
        typer.Option(help="Jobs at once on this node (default: collect.concurrency).", min=1),
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="The node's name in `monitor status` (default: host-pid).")
    ] = None,
    plan_every: Annotated[
        str,
        typer.Option(help="How often the due sources are queued, like 10s.", metavar="DURATION"),
    ] = "10s",
    heartbeat_every: Annotated[
        str, typer.Option(help="How often the node says it is alive.", metavar="DURATION")
    ] = "10s",
    stalled_after: Annotated[
        str,
        typer.Option(
            help="A node silent this long has its jobs taken back by the others.",
            metavar="DURATION",
        ),
    ] = "30s",
    log_format: LogFormatOption = LogFormat.plain,
    wait_for_database: WaitForDatabaseOption = "2m",
) -> None:
    """Run one node of a fleet (PostgreSQL): collect, plan and send with the other nodes."""
    from monitor.fleet import require_engine, require_postgresql
    from monitor.fleet.options import node_settings
    from monitor.units import parse_duration

    loaded = _load(config)
    require_postgresql(loaded.database)
    require_engine()
    try:
        wait = parse_duration(wait_for_database)
    except ValueError as error:
        raise ConfigError(f"--wait-for-database: {error}") from None
    settings = node_settings(
        loaded,
        queue=queue.value,
        concurrency=concurrency,
        name=name,
        plan_every=plan_every,
        heartbeat_every=heartbeat_every,
        stalled_after=stalled_after,
    )
    from monitor.fleet.worker import run_worker

    run_worker(
        loaded,
        settings,
        log_format=log_format.value,
        log_level=_log_level if _log_chosen else logging.INFO,
        wait_for_database_s=wait.total_seconds(),
    )


def main() -> None:  # pragma: no cover - the console script entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
