"""The outbox: YYYY-Www.html/.txt/.json per week, an index of all weeks, atomic writes."""

import errno
import json
import os

import pytest
from bs4 import BeautifulSoup

from monitor.errors import MonitorError
from monitor.report import archive
from monitor.report.archive import write_archive


@pytest.fixture(scope="module")
def message(english):
    """The week's figures file content, as monitor.weekly passes it."""
    return {"week": "2025-W47", "subject": english.subject, "verdict": {"numbers": {"ratio": 2.0}}}


def test_week_files_hold_the_browser_html_the_text_and_the_figures(tmp_path, english, message):
    paths = write_archive(english, tmp_path / "reports", "2025-W47", message)
    assert paths.html.name == "2025-W47.html" and paths.html.read_text() == english.html_archive
    assert paths.txt.read_text() == english.text
    assert json.loads(paths.json.read_text()) == message
    assert paths.eml.name == "2025-W47.eml"  # written by delivery, as sent
    assert sorted(p.name for p in paths.html.parent.iterdir()) == [
        "2025-W47.html",
        "2025-W47.json",
        "2025-W47.txt",
        "index.html",
    ]


def test_index_lists_every_week_newest_first_with_escaped_subjects(tmp_path, english, message):
    (tmp_path / "2025-W45.html").write_text("<p>old</p>")
    (tmp_path / "2025-W45.json").write_text('{"subject": "<b>Acme</b> & co"}')
    (tmp_path / "notes.html").write_text("not a week")
    paths = write_archive(english, tmp_path, "2025-W47", message)
    page = BeautifulSoup(paths.index.read_text(), "html.parser")
    weeks = [a.get_text() for a in page.find_all("a") if a["href"].endswith(".html")]
    assert weeks == ["2025-W47", "2025-W45"]
    assert "&lt;b&gt;Acme&lt;/b&gt; &amp; co" in paths.index.read_text()
    assert page.find("b") is None
    assert english.subject in page.get_text()


def test_rewriting_a_week_replaces_its_files(tmp_path, english, italian, message):
    write_archive(english, tmp_path, "2025-W47", message)
    paths = write_archive(italian, tmp_path, "2025-W47", {"subject": italian.subject})
    assert paths.txt.read_text() == italian.text
    assert len(list(tmp_path.glob("2025-W47.*"))) == 3


def test_a_week_label_cannot_escape_the_outbox(tmp_path, english, message):
    with pytest.raises(MonitorError, match="not a week"):
        write_archive(english, tmp_path, "../../etc/passwd", message)


def test_an_outbox_below_a_file_is_a_clear_error(tmp_path, english, message):
    blocker = tmp_path / "reports"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(MonitorError, match=r"cannot write the digest to .*reports"):
        write_archive(english, blocker / "2025", "2025-W47", message)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders anyway")
def test_a_read_only_outbox_says_which_path_and_why(tmp_path, english, message):
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(MonitorError, match=rf"{tmp_path}.*permission denied"):
            write_archive(english, tmp_path, "2025-W47", message)
    finally:
        tmp_path.chmod(0o755)


@pytest.mark.parametrize(
    ("code", "reason"), [(errno.ENOSPC, "the disk is full"), (errno.EROFS, "read-only")]
)
def test_a_failed_write_names_the_file_and_leaves_no_partial_file(
    tmp_path, english, message, monkeypatch, code, reason
):
    (tmp_path / "2025-W47.html").write_text("last good version")

    def fail(_fd):  # the moment a full or read-only disk surfaces
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(archive.os, "fsync", fail)
    with pytest.raises(MonitorError) as caught:
        write_archive(english, tmp_path, "2025-W47", message)
    assert str(caught.value) == f"cannot write the digest to {tmp_path / '2025-W47.html'}: " + (
        "the disk is full" if code == errno.ENOSPC else "the disk is read-only"
    )
    assert reason in str(caught.value)
    assert [p.name for p in tmp_path.iterdir()] == ["2025-W47.html"]
    assert (tmp_path / "2025-W47.html").read_text() == "last good version"
