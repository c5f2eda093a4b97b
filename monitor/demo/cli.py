"""`monitor demo`: run the whole pipeline on the sample world and show what it found."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from monitor.errors import MonitorError
from monitor.terminal import console, styled

if TYPE_CHECKING:  # pandas is heavy: every other command would pay for it at start
    from monitor.metrics import CompanyWeek, Figure

out = console()
err = console(stderr=True)


class Language(StrEnum):
    en = "en"
    it = "it"


def demo(
    output: Annotated[
        Path,
        typer.Option(
            "--output", metavar="DIR", help="Where the digest, its email and the demo's data go."
        ),
    ] = Path("reports/demo"),
    language: Annotated[
        Language, typer.Option("--language", help="The digest's language.")
    ] = Language.en,
    open_: Annotated[
        bool, typer.Option("--open", metavar="", help="Open the digest in a browser afterwards.")
    ] = False,
) -> None:
    """Try it now: watch a sample company and three competitors for 13 weeks, offline,
    then write and send (to a mail server on this machine) last week's digest."""
    from monitor.demo.run import run_demo

    columns = (
        TextColumn("{task.description:<24}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, console=err, transient=True) as bar:
            task = bar.add_task("Starting", total=None)

            def progress(what: str, done: int, total: int) -> None:
                bar.update(task, description=what, completed=done, total=total)

            result = run_demo(output, language=language.value, progress=progress)
    except MonitorError as error:
        err.print(styled("[red]Error:[/red] {}", error), soft_wrap=True)
        raise typer.Exit(error.exit_code) from None
    out.print(styled("\n[bold]{}[/bold]\n", result.subject))
    out.print(result.verdict + "\n")
    for number, sentence in enumerate(result.sentences, 1):
        out.print(f"  {number}. {sentence}")
    out.print()
    out.print(scoreboard_table(result.scoreboard, result.week))
    out.print(
        f"\nCollected {result.collections} times ({result.requests} requests to the sample "
        f"platforms) in {result.seconds:.0f} s. The digest was sent to "
        f"{', '.join(result.recipients)} on the demo's own mail server and written to:"
    )
    for path in (result.html, result.eml, result.txt, result.figures):
        out.print(f"  {path}")
    out.print(f"The configuration it ran with: {result.config}")
    if open_:
        _open(result.html)


def scoreboard_table(rows: list[CompanyWeek], week: str) -> Table:
    """The digest's scoreboard, with the digest's precision for every figure."""
    from monitor.report.i18n import Formatter

    fmt = Formatter("en")
    table = Table(title=f"Scoreboard, {week}", title_justify="left")
    for column in ("Company", "Posts", "Engagement", "Per follower", "Per post", "Followers"):
        table.add_column(column, justify="left" if column == "Company" else "right")
    for row in rows:
        name = f"{row.company} (us)" if row.is_self else row.company
        table.add_row(
            styled("[bold]{}[/bold]", name) if row.is_self else name,
            _with_arrow(fmt.integer(row.posts.value), row.posts),
            _with_arrow(fmt.integer(row.engagement.value), row.engagement),
            _with_arrow(fmt.rate(row.engagement_rate.value), row.engagement_rate),
            fmt.compact(row.engagement_per_post.value),
            fmt.integer(row.followers.value),
        )
    return table


def _with_arrow(text: str, figure: Figure) -> str | Text:
    """The week's figure and an arrow for its change against the week before."""
    if figure.change is None or figure.change == 0:
        return text
    return styled("{} [green]▲[/green]" if figure.change > 0 else "{} [red]▼[/red]", text)


def _open(path: Path) -> None:
    import webbrowser

    if not webbrowser.open(path.resolve().as_uri()):
        out.print(f"No browser found here; open {path} yourself.")
