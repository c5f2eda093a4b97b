"""The archived digest in a real browser (Debian's Chromium through playwright, which never
downloads a browser): on a phone and a desktop, with and without <style>, and in forced dark
mode: no sideways scrolling, no text under 12 px, readable contrast."""

from __future__ import annotations

import re
import shutil
from io import BytesIO

import pytest
from PIL import Image

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is a test extra")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; .ci/run does)"
)
NO_STYLE = re.compile(r"<style\b.*?</style\s*>", re.S | re.I)

# Every element with text of its own: its computed font size and box, for visible text only.
TEXTS = """() => [...document.querySelectorAll('body *')].filter(e => {
  const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  const box = e.getBoundingClientRect(), style = getComputedStyle(e);
  return own && box.width > 0 && box.height > 0 && style.visibility !== 'hidden'
    && style.display !== 'none' && parseFloat(style.opacity) > 0 && !e.closest('.preheader');
}).map(e => { const b = e.getBoundingClientRect();
  return {size: parseFloat(getComputedStyle(e).fontSize), tag: e.tagName, cls: e.className,
          text: e.textContent.trim().slice(0, 40), x: b.x + scrollX, y: b.y + scrollY,
          w: b.width, h: b.height}; })"""


def _launch(playwright, *, dark: bool = False):
    args = ["--no-sandbox", "--disable-gpu"]
    if dark:  # what Chrome on Android and several mail apps do to a light message
        args += ["--force-dark-mode", "--enable-features=WebContentsForceDark"]
    return playwright.chromium.launch(executable_path=CHROMIUM, args=args)


@pytest.fixture(scope="module")
def pages(english, italian, tmp_path_factory):
    folder = tmp_path_factory.mktemp("phone")
    written = {}
    for name, digest in (("en", english), ("it", italian)):
        for styled in (True, False):
            html = digest.html_archive if styled else NO_STYLE.sub("", digest.html_archive)
            path = folder / f"{name}-{'style' if styled else 'bare'}.html"
            path.write_text(html, encoding="utf-8")
            written[(name, styled)] = path.as_uri()
    return written


def _measure(uri: str, width: int, *, dark: bool = False):
    with playwright_api.sync_playwright() as playwright:
        browser = _launch(playwright, dark=dark)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(uri)
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            texts = page.evaluate(TEXTS)
            png = page.screenshot(full_page=True) if dark else None
        finally:
            browser.close()
    return scroll_width, texts, png


@pytest.mark.parametrize("width", [375, 800])
@pytest.mark.parametrize("styled", [True, False])
@pytest.mark.parametrize("language", ["en", "it"])
def test_no_sideways_scrolling_and_no_text_under_12_px(pages, width, styled, language):
    scroll_width, texts, _png = _measure(pages[(language, styled)], width)
    assert scroll_width <= width
    small = [t for t in texts if t["size"] < 12]
    assert small == [], small[:3]
    body = [t for t in texts if "verdict" in t["cls"] or "takeaway" in t["cls"]]
    assert body and min(t["size"] for t in body) >= 14


def _luminance(rgb) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first, second) -> float:
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _text_contrast(image: Image.Image, box: dict) -> float:
    """The glyphs against their background inside the text's box, as painted: the most common
    colour is the background, the colour farthest from it the text."""
    crop = image.crop((int(box["x"]), int(box["y"]), int(box["x"] + box["w"]),
                       int(box["y"] + box["h"])))  # fmt: skip
    colours = crop.getcolors(maxcolors=1_000_000) or []
    background = max(colours)[1]
    return max(contrast(background, colour) for _count, colour in colours)


def test_forced_dark_mode_keeps_every_text_readable(pages):
    _width, texts, png = _measure(pages[("en", True)], 375, dark=True)
    image = Image.open(BytesIO(png)).convert("RGB")
    assert _luminance(image.getpixel((5, 5))) < 0.2  # the browser really darkened the page
    poor = []
    for box in texts:
        if box["w"] < 4 or box["h"] < 4 or box["tag"] in ("IMG",):
            continue
        ratio = _text_contrast(image, box)
        if ratio < 4.5:
            poor.append((box["text"], round(ratio, 2)))
    assert poor == []


def test_the_us_row_stays_highlighted_in_forced_dark_mode(pages):
    _width, texts, png = _measure(pages[("en", True)], 375, dark=True)
    image = Image.open(BytesIO(png)).convert("RGB")
    ours = next(t for t in texts if t["cls"] == "rowname" and "(us)" in t["text"])
    theirs = next(t for t in texts if t["cls"] == "rowname" and "(us)" not in t["text"])
    at = lambda t: image.getpixel((int(t["x"] + t["w"] - 3), int(t["y"] + 3)))  # noqa: E731
    assert contrast(at(ours), at(theirs)) > 1.1  # a visibly different band


def test_the_contrast_measure_catches_grey_on_grey(tmp_path):
    """The control: a pale text on white is found wanting."""
    page = tmp_path / "grey.html"
    page.write_text('<p style="color:#bbbbbb;background:#ffffff;font-size:20px">faint</p>')
    with playwright_api.sync_playwright() as playwright:
        browser = _launch(playwright)
        try:
            tab = browser.new_page(viewport={"width": 375, "height": 200})
            tab.goto(page.as_uri())
            box = tab.evaluate(TEXTS)[0]
            image = Image.open(BytesIO(tab.screenshot())).convert("RGB")
        finally:
            browser.close()
    assert _text_contrast(image, box) < 4.5
