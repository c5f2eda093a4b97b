"""What the terminal prints: Rich consoles that never read markup in data.

Text from a server, a page or the configuration can hold `[/]` or `[bold]`, which Rich
would read as markup (and raise MarkupError on). So the consoles read no markup at all:
a plain string prints as it is, and colour comes only from `styled()`, whose template
is ours and whose values are escaped.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.text import Text


def console(*, stderr: bool = False) -> Console:
    """A console that prints strings literally (no markup, no guessing of highlights)."""
    return Console(stderr=stderr, markup=False, highlight=False)


def styled(template: str, *values: object) -> Text:
    """Our own markup with every `{}` filled by a value printed literally.

    styled("[red]{}[/red]: {}", kind, message) colours the kind; a message holding "[/]"
    prints as "[/]".
    """
    return Text.from_markup(template.format(*(escape(str(value)) for value in values)))
