"""The digest's printable files, by kind: "pdf" (A4, WeasyPrint) and "pptx" (python-pptx).

Each is made from the rendered Digest alone, so the files say what the email says.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from monitor.report.render import Digest

KINDS = ("pdf", "pptx")


def _pdf(digest: Digest) -> bytes:
    from monitor.report.pdf import render_pdf  # WeasyPrint loads Pango: only when asked

    return render_pdf(digest)


def _pptx(digest: Digest) -> bytes:
    from monitor.report.slides import render_deck

    return render_deck(digest)


RENDERERS: dict[str, Callable[[Digest], bytes]] = {"pdf": _pdf, "pptx": _pptx}


def render_documents(digest: Digest, kinds: Iterable[str]) -> dict[str, bytes]:
    """kind -> file contents, in a stable order (PDF first)."""
    wanted = set(kinds)
    unknown = wanted - set(KINDS)
    if unknown:
        raise ValueError(f"no such document kind: {', '.join(sorted(unknown))}")
    return {kind: RENDERERS[kind](digest) for kind in KINDS if kind in wanted}
