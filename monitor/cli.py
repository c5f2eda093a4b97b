"""The command line: one thin function a command. Layers are wired here and in scheduler.py."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import Annotated, Any

import typer

from monitor.cli_tables import print_outcomes, print_status
from monitor.clock import utc_now
from monitor.config import Config, config_schema, load_config, missing_secrets, source_needs
from monitor.errors import ConfigError, MonitorError
from monitor.store import Store
from monitor.terminal import console, styled

app = typer.Typer(
    help="Watch competitors' public social activity and send a weekly digest to your executives.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = console()
err = console(stderr=True)

DEFAULT_CONFIG = Path("config/monitor.yaml")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY = timedelta(days=1)
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="The configuration file (default: $MONITOR_CONFIG, else config/monitor.yaml).",
        show_default=False,
    ),
]


def _config_path(path: Path | None) -> Path:
    if path is not None:
        return path
    if env := os.environ.get("MONITOR_CONFIG"):
        return Path(env)
    if not DEFAULT_CONFIG.exists():
        raise ConfigError(
            f"no configuration file at {DEFAULT_CONFIG}: pass -c FILE or set MONITOR_CONFIG "
            "(config/example.yaml is a commented example to copy)"
        )
    return DEFAULT_CONFIG


def _load(path: Path | None) -> Config:
    return load_config(_config_path(path))


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


# Files the monitor creates (database, outbox, lock) are the owner's only; README: sharing.
OWNER_ONLY_UMASK = 0o077


@app.callback()
def _owner_only_files() -> None:
    """Watch competitors' public social activity and send a weekly digest to your executives."""
    os.umask(OWNER_ONLY_UMASK)


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
    out.print(
        styled(
            "[green]OK[/green] {}: {} companies (us: {}), {} sources.",
            path,
            len(loaded.companies),
            loaded.organization.name,
            sources,
        )
    )
    for warning in missing_secrets(loaded):
        out.print(styled("[yellow]Note:[/yellow] {}; it is needed when that part runs.", warning))
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


@app.command("config-schema")
def config_schema_command() -> None:
    """Print the JSON Schema of the configuration file, for editors that autocomplete YAML."""
    out.print_json(json.dumps(config_schema()))


@app.command()
@plain_errors
def status(config: ConfigOption = None) -> None:
    """Show every source's health: last success, last error, failures, next collection."""
    loaded = _load(config)
    with Store(loaded.database) as store:
        from monitor.collect import sync_sources

        sync_sources(loaded, store)
        print_status(out, store, needs=source_needs(loaded))


@app.command()
@plain_errors
def collect(
    config: ConfigOption = None,
    company: Annotated[
        list[str] | None, typer.Option(help="Only this company (repeatable).", show_default=False)
    ] = None,
    source: Annotated[
        list[str] | None,
        typer.Option(
            help="Only sources whose kind:target contains this text (repeatable).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Collect every source once, now, and show what each gave (exit 1 if any failed)."""
    from monitor.collect import sync_sources
    from monitor.instance_lock import instance_lock

    loaded = _load(config)
    with Store(loaded.database) as store, instance_lock(store, "monitor collect"):
        sync_sources(loaded, store)
        chosen = _choose_sources(store, company, source)
        report = _collect_with_progress(loaded, store, chosen)
    print_outcomes(out, report.outcomes)
    if report.failed:
        raise typer.Exit(1)


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
        help="The week, like 2026-W47 (default: the last complete week).", show_default=False
    ),
]


@app.command()
@plain_errors
def report(
    config: ConfigOption = None,
    week: WeekOption = None,
    send: Annotated[bool, typer.Option("--send", help="Email it to the recipients now.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="With --send: send again even if it was sent.")
    ] = False,
    to: Annotated[
        str | None,
        typer.Option(help="Send a test copy to this one address only.", show_default=False),
    ] = None,
    open_: Annotated[bool, typer.Option("--open", help="Open the digest in a browser.")] = False,
) -> None:
    """Write a week's digest to the outbox (.html, .eml, .txt, .json) and show its verdict."""
    from monitor.collect import sync_sources
    from monitor.weekly import run_week

    loaded = _load(config)
    chosen = _week(week, loaded)
    now = utc_now()
    with Store(loaded.database) as store:
        sync_sources(loaded, store)
        made = run_week(store, loaded, chosen, now, send=send, force=force, test_to=to)
    digest, paths = made.digest, made.paths
    out.print(styled("[bold]{}[/bold]", digest.subject))
    if digest.verdict:
        out.print(digest.verdict)
    for number, sentence in enumerate(digest.takeaways, 1):
        out.print(f"  {number}. {sentence}")
    for path in (paths.html, paths.eml, paths.txt, paths.json):
        out.print(f"Written: {path}")
    if open_:
        _open_in_browser(paths.html)
    result = made.delivery
    if result is not None:
        out.print(result.describe())
        if not result.ok:
            raise typer.Exit(1)


def _open_in_browser(path: Path) -> None:
    import webbrowser

    if not webbrowser.open(path.resolve().as_uri()):
        out.print(f"No browser found here; open {path} yourself.")


@app.command()
@plain_errors
def export(
    what: Annotated[
        str, typer.Argument(help="posts, accounts, weekly or mentions.", show_default=False)
    ],
    config: ConfigOption = None,
    week: WeekOption = None,
    company: Annotated[
        str | None, typer.Option(help="Only this company.", show_default=False)
    ] = None,
    format_: Annotated[str, typer.Option("--format", help="csv or json.")] = "csv",
    output: Annotated[
        Path | None,
        typer.Option(help="Write to this file instead of the screen.", show_default=False),
    ] = None,
) -> None:
    """Export posts, audience history or a week's figures as CSV or JSON, for spreadsheets."""
    from monitor import export as exporting
    from monitor.metrics import MetricsSettings

    if what not in exporting.COLUMNS:
        raise ConfigError(f"export what? posts, accounts, weekly or mentions (got {what!r})")
    if format_ not in ("csv", "json"):
        raise ConfigError(f"--format: csv or json (got {format_!r})")
    loaded = _load(config)
    chosen = _week(week, loaded)
    tz = loaded.report.timezone
    since, until = (chosen.start(tz), chosen.end(tz)) if week else (_EPOCH, utc_now() + _DAY)
    with Store(loaded.database) as store:
        if what == "posts":
            rows = exporting.export_posts(store, since, until, company)
        elif what == "mentions":
            rows = exporting.export_mentions(store, since, until, company)
        elif what == "accounts":
            rows = exporting.export_accounts(store, since, until, company)
        else:
            settings = MetricsSettings.from_report(loaded.report)
            rows = exporting.export_weekly(store, chosen, settings, company)
    columns = exporting.COLUMNS[what]
    if output is None:
        exporting.write_rows(rows, format_, sys.stdout, columns)
        return
    with output.open("w", encoding="utf-8", newline="") as stream:
        exporting.write_rows(rows, format_, stream, columns)
    err.print(f"{len(rows)} rows written to {output}")


@app.command()
@plain_errors
def run(
    config: ConfigOption = None,
    log_format: Annotated[str, typer.Option(help="plain or json.")] = "plain",
) -> None:
    """Run the job: collect every source on its interval and send the digest on schedule."""
    from monitor.scheduler import run_job

    if log_format not in ("plain", "json"):
        raise ConfigError(f"--log-format: plain or json (got {log_format!r})")
    run_job(_load(config), log_format=log_format)


def main() -> None:  # pragma: no cover - the console script entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
