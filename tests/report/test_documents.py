"""The PDF and the PowerPoint of the week, read back as a person would: the PDF's pages as
pictures (pdftoppm) and its text (pdftotext); the deck through python-pptx."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from PIL import Image
from pptx import Presentation
from report_builders import hostile_metrics, render

from monitor.report.documents import render_documents
from monitor.report.render import Digest
from monitor.report.slides import LINES_PER_SLIDE, POSTS_PER_SLIDE

POPPLER = shutil.which("pdftoppm") and shutil.which("pdftotext")
needs_poppler = pytest.mark.skipif(
    not POPPLER, reason="poppler-utils (pdftoppm, pdftotext) is not installed: .ci/run installs it"
)


@pytest.fixture(scope="module")
def files(english: Digest, italian: Digest) -> dict[str, dict[str, bytes]]:
    return {
        "en": render_documents(english, ["pdf", "pptx"]),
        "it": render_documents(italian, ["pptx", "pdf"]),
    }


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "digest.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def pages(pdf: bytes, tmp_path: Path) -> list[Image.Image]:
    path = tmp_path / "digest.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(path), str(tmp_path / "page")], check=True)
    return [Image.open(p).convert("L") for p in sorted(tmp_path.glob("page-*.png"))]


def inked(page: Image.Image) -> float:
    """The share of the page's pixels that are not white paper."""
    histogram = page.histogram()
    return 1 - sum(histogram[245:]) / (page.width * page.height)


@needs_poppler
def test_the_pdf_is_a4_pages_each_with_something_printed(files, tmp_path):
    pdf = files["en"]["pdf"]
    assert pdf.startswith(b"%PDF-")
    shown = pages(pdf, tmp_path)
    assert len(shown) >= 2
    for page in shown:
        assert abs(page.width / page.height - 210 / 297) < 0.01  # A4 portrait
        assert inked(page) > 0.01
    blank = Image.new("L", shown[0].size, 255)
    assert inked(blank) == 0  # the measure tells an empty sheet from a printed one


@needs_poppler
@pytest.mark.parametrize("language", ["en", "it"])
def test_the_pdf_states_the_verdict_and_the_headings_in_the_report_language(
    files, language, english, italian, tmp_path
):
    digest = english if language == "en" else italian
    text = words(pdf_text(files[language]["pdf"], tmp_path))
    assert digest.verdict and words(digest.verdict) in text
    assert digest.parts.title in text
    heading = {"en": "Data health", "it": "Stato dei dati"}[language]
    assert heading in text
    assert re.search(r"\b(\d+) ?/ ?\1\b", text)  # the last page number, "5 / 5"


@needs_poppler
def test_the_pdf_fetches_nothing_but_its_own_images(english, tmp_path, httpserver):
    """A post's image address in the HTML is never fetched while laying out the PDF."""
    httpserver.expect_request("/tracker.png").respond_with_data(b"", content_type="image/png")
    address = httpserver.url_for("/tracker.png")
    html = english.html_archive.replace("</body>", f'<img src="{address}" alt=""></body>')
    outside = Digest(**{**english.__dict__, "html_archive": html})
    pdf = render_documents(outside, ["pdf"])["pdf"]
    assert pdf.startswith(b"%PDF-")
    assert httpserver.log == []


def deck(data: bytes):
    return Presentation(BytesIO(data))


def titles(data: bytes) -> list[str]:
    return [slide.shapes.title.text for slide in deck(data).slides]


def test_the_deck_has_the_verdict_the_scoreboard_each_chart_the_posts_and_data_health(
    files, english
):
    parts = english.parts
    expected = (
        2  # title, scoreboard
        + len(parts.charts)
        + math.ceil(len(parts.top_posts) / POSTS_PER_SLIDE)
        + math.ceil(len(parts.breakouts) / POSTS_PER_SLIDE)
        + math.ceil(len(parts.health) / LINES_PER_SLIDE)
    )
    slides = list(deck(files["en"]["pptx"]).slides)
    assert len(slides) == expected and len(parts.charts) >= 2 and parts.top_posts
    shown = titles(files["en"]["pptx"])
    assert shown[0] == parts.title
    assert english.verdict in slides[0].placeholders[1].text_frame.text
    assert shown[1] == "Scoreboard"
    assert shown[2 : 2 + len(parts.charts)] == [c.caption or c.title for c in parts.charts]
    assert "Top posts" in shown and shown[-1].startswith("Data health")
    for slide in slides[2 : 2 + len(parts.charts)]:
        pictures = [s for s in slide.shapes if s.shape_type == 13]
        assert len(pictures) == 1 and pictures[0].width <= deck(files["en"]["pptx"]).slide_width


def test_the_deck_is_in_the_report_language(files, italian):
    shown = titles(files["it"]["pptx"])
    assert shown[0] == italian.parts.title and shown[0].startswith("Concorrenti")
    assert shown[1] == "Il confronto"
    assert "I post migliori" in shown and shown[-1].startswith("Stato dei dati")
    assert deck(files["it"]["pptx"]).core_properties.language == "it-IT"


def html_scoreboard(html: str) -> list[list[str]]:
    """The scoreboard as a reader of the digest sees it: name, then each figure with its change."""
    table = BeautifulSoup(html, "html.parser").select_one("[data-section=scoreboard] table.score")
    rows = []
    for tr in table.find_all("tr"):
        if tr.select_one("td.details"):
            continue
        cells = tr.find_all(["th", "td"])
        rows.append([words(cell.get_text(" ").replace("■", "")) for cell in cells])
    return rows


@pytest.mark.parametrize("language", ["en", "it"])
def test_the_deck_table_states_the_digest_scoreboard_figures(files, english, italian, language):
    digest = english if language == "en" else italian
    slide = deck(files[language]["pptx"]).slides[1]
    table = next(s for s in slide.shapes if s.has_table).table
    read = [[words(cell.text) for cell in row.cells] for row in table.rows]
    assert read == html_scoreboard(digest.html_archive)
    assert len(read) == len(digest.parts.score_rows) + 1 and len(read[0]) == 4


def test_an_unknown_document_kind_is_refused():
    with pytest.raises(ValueError, match="no such document kind: docx"):
        render_documents(render(hostile_metrics(), "en"), ["docx"])
