"""The week's digest as an A4 PDF, laid out by WeasyPrint from the archived HTML.

WeasyPrint lays out HTML and CSS itself (no browser to install or drive), follows CSS Paged
Media (page size, page numbers, no row split across pages) and keeps the digest's fonts,
colours and tables, so the PDF is the same digest the email shows, not a second design.
Only data: URIs are read: a post's link or image address in the digest is never fetched.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from monitor.errors import MonitorError
from monitor.report.render import Digest

PRINT_CSS = Path(__file__).parent / "templates" / "print.css"


@cache
def _stylesheet():
    from weasyprint import CSS

    return CSS(string=PRINT_CSS.read_text(encoding="utf-8"))


def render_pdf(digest: Digest) -> bytes:
    """The digest's archived HTML (images inside it as data: URIs) on A4 pages."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # fontTools and WeasyPrint report each font subset at INFO: noise in the job's log.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    document = HTML(string=digest.html_archive, url_fetcher=URLFetcher(allowed_protocols={"data"}))
    try:
        return document.write_pdf(stylesheets=[_stylesheet()])
    except (OSError, ValueError) as error:  # a missing system library or font, in words
        raise MonitorError(f"cannot make the PDF of {digest.week_label}: {error}") from error
