"""The week's digest as a PowerPoint deck (python-pptx), 16:9, in the report's language:
the verdict on the title slide, the scoreboard as a native table (editable, copyable into a
board pack), each chart as a picture under its message, the top posts, and data health.

It lays out the digest's own Parts, so every figure and word is the one the email states.
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.slide import Slide
from pptx.util import Emu, Inches, Pt

from monitor.report.context import PostView, ScoreRow
from monitor.report.i18n import BABEL_LOCALES, Formatter
from monitor.report.render import Digest, Parts
from monitor.report.safety import safe_url

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.6)
BODY_TOP = Inches(1.45)
NAVY, GREY, US_FILL = RGBColor(0x0B, 0x3D, 0x66), RGBColor(0x57, 0x60, 0x6A), "DBE9F6"
ARROW_COLOURS = {"up": RGBColor(0x00, 0x5A, 0x8C), "down": RGBColor(0xA3, 0x44, 0x00)}
POSTS_PER_SLIDE = 4
LINES_PER_SLIDE = 8
TITLE_LAYOUT, TITLE_ONLY_LAYOUT = 0, 5  # in python-pptx's default template


def render_deck(digest: Digest) -> bytes:
    """The deck as .pptx bytes."""
    parts = digest.parts
    if parts is None:
        raise ValueError("the digest carries no parts to lay out as slides")
    fmt = Formatter(digest.language)
    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDTH, HEIGHT
    deck.core_properties.title = digest.subject
    deck.core_properties.language = BABEL_LOCALES[digest.language].replace("_", "-")
    _title_slide(deck, parts, digest.verdict, fmt)
    if parts.score_rows:
        _scoreboard_slide(deck, parts, fmt)
    for chart in parts.charts:  # the picture carries the chart's own title; the slide its message
        _picture(_slide(deck, chart.caption or chart.title), chart.png, chart.alt)
    for index, posts in enumerate(_chunks(parts.top_posts, POSTS_PER_SLIDE)):
        _posts_slide(deck, _numbered(fmt._("Top posts"), index), posts, fmt)
    for index, posts in enumerate(_chunks(parts.breakouts, POSTS_PER_SLIDE)):
        _posts_slide(deck, _numbered(fmt._("Breakout posts"), index), posts, fmt)
    for index, lines in enumerate(_chunks(parts.health, LINES_PER_SLIDE)):
        slide = _slide(deck, _numbered(fmt._("Data health"), index))
        _text(slide, list(lines), size=16)
    buffer = BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def _title_slide(deck, parts: Parts, verdict: str, fmt: Formatter) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[TITLE_LAYOUT])
    title, subtitle = slide.shapes.title, slide.placeholders[1]
    _place(title, MARGIN, Inches(0.8), WIDTH - 2 * MARGIN, Inches(1.3))
    title.text = parts.title
    _style(title.text_frame.paragraphs[0], 36, NAVY, bold=True)
    _place(subtitle, MARGIN, Inches(2.4), WIDTH - 2 * MARGIN, Inches(4.4))
    frame = subtitle.text_frame
    frame.word_wrap = True
    lines = [
        *parts.banner,
        verdict or fmt._("Nothing else this week has enough data behind it for a fair comparison."),
        parts.period,
    ]
    for index, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        paragraph.text = line
        is_verdict = index == len(parts.banner)
        _style(paragraph, 22 if is_verdict else 16, NAVY if is_verdict else GREY, is_verdict)


def _scoreboard_slide(deck, parts: Parts, fmt: Formatter) -> None:
    slide = _slide(deck, fmt._("Scoreboard"))
    rows, columns = len(parts.score_rows) + 1, len(parts.score_headers)
    height = min(HEIGHT - BODY_TOP - Inches(1.0), Inches(0.62) * rows)
    shape = slide.shapes.add_table(rows, columns, MARGIN, BODY_TOP, WIDTH - 2 * MARGIN, height)
    table = shape.table
    table.columns[0].width = Inches(4.5)
    for index in range(1, columns):
        table.columns[index].width = Emu(int((WIDTH - 2 * MARGIN - Inches(4.5)) / (columns - 1)))
    for column, header in enumerate(parts.score_headers):
        _cell_text(table.cell(0, column), [header], 14, bold=True, right=column > 0)
    for row_index, row in enumerate(parts.score_rows, 1):
        _score_row(table, row_index, row, fmt)
    note = fmt._("Arrows: the change from last week.")
    if any(row.incomplete for row in parts.score_rows):
        note += " * " + fmt._(
            "A source of this company failed during the week; its figures may be low "
            "(see data health)."
        )
    _text(slide, [note], top=HEIGHT - Inches(0.9), size=12, colour=GREY)


def score_name(row: ScoreRow, fmt: Formatter) -> str:
    """The row's name as the digest's scoreboard writes it."""
    name = row.company + (f" {fmt._('(us)')}" if row.kind == "us" else "")
    return name + (" *" if row.incomplete else "")


def _score_row(table, index: int, row: ScoreRow, fmt: Formatter) -> None:
    _cell_text(table.cell(index, 0), [score_name(row, fmt)], 14, bold=row.kind == "us")
    for column, cell in enumerate(row.cells, 1):
        lines = [cell.value] + ([f"{cell.arrow} {cell.change}"] if cell.arrow else [])
        target = table.cell(index, column)
        _cell_text(target, lines, 14, right=True)
        if cell.arrow and cell.direction in ARROW_COLOURS:
            paragraph = target.text_frame.paragraphs[1]
            _style(paragraph, 11, ARROW_COLOURS[cell.direction])
    if row.kind == "us":
        for column in range(len(row.cells) + 1):
            table.cell(index, column).fill.solid()
            table.cell(index, column).fill.fore_color.rgb = RGBColor.from_string(US_FILL)


def _posts_slide(deck, title: str, posts: Sequence[PostView], fmt: Formatter) -> None:
    slide = _slide(deck, title)
    box = slide.shapes.add_textbox(MARGIN, BODY_TOP, WIDTH - 2 * MARGIN, HEIGHT - BODY_TOP)
    frame = box.text_frame
    frame.word_wrap = True
    first = True
    for post in posts:
        us = f" {fmt._('(us)')}" if post.ours else ""
        meta = f"{post.company}{us} · {post.platform} · {post.traits} · {post.date}"
        figures = " · ".join(part for part in (post.note, post.figures_text) if part)
        for text, size, colour, bold in ((meta, 13, GREY, True), (post.excerpt, 16, None, False),
                                         (figures, 13, GREY, False)):  # fmt: skip
            paragraph = frame.paragraphs[0] if first else frame.add_paragraph()
            first = False
            paragraph.text = text
            _style(paragraph, size, colour, bold)
        link = safe_url(post.url)
        if link:  # the meta line opens the post
            paragraph = frame.paragraphs[-3]
            paragraph.runs[0].hyperlink.address = link
        frame.paragraphs[-1].space_after = Pt(12)


def _slide(deck, title: str) -> Slide:
    slide = deck.slides.add_slide(deck.slide_layouts[TITLE_ONLY_LAYOUT])
    shape = slide.shapes.title
    _place(shape, MARGIN, Inches(0.35), WIDTH - 2 * MARGIN, Inches(1.0))
    shape.text = title
    shape.text_frame.word_wrap = True
    paragraph = shape.text_frame.paragraphs[0]
    paragraph.alignment = 1  # left: a message reads as a sentence
    _style(paragraph, 26 if len(title) < 70 else 20, NAVY, bold=True)
    return slide


def _picture(slide: Slide, png: bytes, alt: str) -> None:
    """The chart as large as fits under the title, its proportions kept, centred."""
    from PIL import Image

    width_px, height_px = Image.open(BytesIO(png)).size
    room_w, room_h = WIDTH - 2 * MARGIN, HEIGHT - BODY_TOP - Inches(0.4)
    scale = min(room_w / width_px, room_h / height_px)
    width, height = int(width_px * scale), int(height_px * scale)
    picture = slide.shapes.add_picture(
        BytesIO(png), int((WIDTH - width) / 2), BODY_TOP, width, height
    )
    picture._element.nvPicPr.cNvPr.set("descr", alt)  # the alt text a screen reader speaks


def _text(slide: Slide, lines: list[str], *, top=BODY_TOP, size: int = 16, colour=None) -> None:
    box = slide.shapes.add_textbox(MARGIN, top, WIDTH - 2 * MARGIN, HEIGHT - top - Inches(0.3))
    frame = box.text_frame
    frame.word_wrap = True
    for index, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        paragraph.text = line
        paragraph.space_after = Pt(8)
        _style(paragraph, size, colour)


def _cell_text(cell, lines: list[str], size: int, bold: bool = False, right: bool = False):
    frame = cell.text_frame
    frame.word_wrap = True
    for index, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        paragraph.text = line
        paragraph.alignment = 3 if right else 1  # PP_ALIGN.RIGHT / LEFT
        _style(paragraph, size, None, bold)


def _style(paragraph, size: int, colour: RGBColor | None, bold: bool = False) -> None:
    for run in paragraph.runs:
        run.font.size = Pt(size)
        run.font.bold = bold
        if colour is not None:
            run.font.color.rgb = colour


def _place(shape, left, top, width, height) -> None:
    shape.left, shape.top, shape.width, shape.height = int(left), int(top), int(width), int(height)


def _chunks(items: Sequence, size: int) -> list[Sequence]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _numbered(title: str, index: int) -> str:
    return title if index == 0 else f"{title} ({index + 1})"
