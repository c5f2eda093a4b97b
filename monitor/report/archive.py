"""The outbox: each week's digest as YYYY-Www.html / .txt / .json (every figure it states),
with .pdf and .pptx when asked for, and an index of all weeks. The .eml beside them is
written by delivery, as sent.

Every file is written to a temporary file in the same folder and moved into place, so a
reader (or a crash) never sees half a digest.
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from monitor.errors import MonitorError
from monitor.report.render import Digest, template_environment
from monitor.report.safety import header_text

WEEK_FILE = re.compile(r"^(\d{4}-W\d{2})\.html$")


@dataclass(frozen=True)
class ArchivePaths:
    html: Path
    eml: Path  # written by delivery
    txt: Path
    json: Path
    index: Path
    documents: dict[str, Path]  # "pdf" / "pptx" -> the file, for those made this time


def write_archive(
    digest: Digest,
    outbox: Path,
    week_label: str,
    figures: dict,
    documents: dict[str, bytes] | None = None,
) -> ArchivePaths:
    """Write the week's .html, .txt and .json (and each of `documents`, by its extension),
    then rebuild index.html from the folder.
    A week already sent keeps its .eml as it went out; these show the figures as they are now.
    """
    if not re.fullmatch(r"\d{4}-W\d{2}", week_label):
        raise MonitorError(f"'{week_label}' is not a week like 2026-W47")
    outbox = Path(outbox)
    _make_folder(outbox)
    paths = ArchivePaths(
        html=outbox / f"{week_label}.html",
        eml=outbox / f"{week_label}.eml",
        txt=outbox / f"{week_label}.txt",
        json=outbox / f"{week_label}.json",
        index=outbox / "index.html",
        documents={kind: outbox / f"{week_label}.{kind}" for kind in documents or {}},
    )
    write_atomic(paths.html, digest.html_archive.encode("utf-8"))
    write_atomic(paths.txt, digest.text.encode("utf-8"))
    text = json.dumps(figures, ensure_ascii=False, indent=1, default=str, allow_nan=False)
    write_atomic(paths.json, (text + "\n").encode("utf-8"))
    for kind, data in (documents or {}).items():
        write_atomic(paths.documents[kind], data)
    write_atomic(paths.index, render_index(outbox, digest.language).encode("utf-8"))
    return paths


def render_index(outbox: Path, language: str) -> str:
    """Every week found in the folder, newest first, with its subject when the .eml has one."""
    entries = []
    names = sorted(
        (m.group(1) for p in outbox.iterdir() if (m := WEEK_FILE.match(p.name))), reverse=True
    )
    for label in names:
        eml, txt = outbox / f"{label}.eml", outbox / f"{label}.txt"
        pdf, pptx = outbox / f"{label}.pdf", outbox / f"{label}.pptx"
        subject = _subject_of(outbox / f"{label}.json")
        entries.append(
            {
                "label": label,
                "html": f"{label}.html",
                "eml": eml.name if eml.exists() else None,
                "txt": txt.name if txt.exists() else None,
                "pdf": pdf.name if pdf.exists() else None,
                "pptx": pptx.name if pptx.exists() else None,
                "subject": subject,
            }
        )
    template = template_environment(language).get_template("index.html")
    return template.render(language=language, entries=entries)


def _subject_of(figures: Path) -> str:
    try:
        data = json.loads(figures.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ""
    except (OSError, ValueError):
        return ""  # a damaged figures file costs the index its subject line, nothing more
    return header_text(str(data.get("subject", ""))) if isinstance(data, dict) else ""


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename it over `path`.

    The file is created with mode 0666 for the umask (077 in the job: owner only) or the
    folder's default ACL to narrow, so an outbox shared through an ACL stays readable.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as error:
        raise _archive_error(path, error) from error
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise _archive_error(path, error) from error


def _make_folder(outbox: Path) -> None:
    if outbox.exists() and not outbox.is_dir():  # mkdir would only say "File exists"
        raise MonitorError(f"cannot write the digest to {outbox}: it is a file, not a folder")
    try:
        outbox.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _archive_error(outbox, error) from error
    if not outbox.is_dir():
        raise MonitorError(f"cannot write the digest to {outbox}: it is a file, not a folder")


def _archive_error(path: Path, error: OSError) -> MonitorError:
    reasons = {
        errno.EROFS: "the disk is read-only",
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.ENOTDIR: "a part of the path is a file, not a folder",
    }
    reason = reasons.get(error.errno or 0, error.strerror or str(error))
    return MonitorError(f"cannot write the digest to {path}: {reason}")
