"""What keeps competitor content harmless: URL filtering, header cleaning, excerpts.

Escaping itself is Jinja2's autoescape; this module decides what may become a link and what
may reach a mail header.
"""

from __future__ import annotations

import re
import unicodedata

from monitor.links import safe_url

__all__ = ["excerpt", "header_text", "one_line", "safe_url"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_SPACES = re.compile(r"\s+")


def one_line(value: object, limit: int | None = None) -> str:
    """Text with no control characters and no line breaks, whitespace collapsed."""
    text = _CONTROL.sub(" ", str(value or ""))
    text = "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf") or c == "\u200d")
    text = _SPACES.sub(" ", text).strip()
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def header_text(value: object, limit: int = 200) -> str:
    """A value fit for a mail header such as Subject: one line, no control characters."""
    return one_line(value, limit)


def excerpt(title: str | None, text: str | None, limit: int = 240) -> str:
    """A post's title and text as one readable line."""
    title_line, text_line = one_line(title), one_line(text)
    if title_line and text_line and not text_line.startswith(title_line):
        return one_line(f"{title_line}: {text_line}", limit)
    return one_line(text_line or title_line, limit)
