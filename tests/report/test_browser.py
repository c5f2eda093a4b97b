"""A real browser renders the archived digest: it shows, 600 px wide, needing no <style>."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageChops

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; .ci/run does)"
)
MASTHEAD = (0x0B, 0x3D, 0x66)  # the digest's header band


def screenshot(html: str, folder: Path, name: str) -> Image.Image:
    page = folder / f"{name}.html"
    page.write_text(html, encoding="utf-8")
    png = folder / f"{name}.png"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={folder / f'profile-{name}'}",
            f"--screenshot={png}",
            "--window-size=800,3000",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=90,
    )
    return Image.open(png).convert("RGB")


@pytest.fixture(scope="module")
def rendered(english, tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    with_style = screenshot(english.html_archive, folder, "archived")
    stripped = re.sub(r"<style\b.*?</style\s*>", "", english.html_archive, flags=re.S | re.I)
    return with_style, screenshot(stripped, folder, "no-style")


def test_the_page_renders_with_content(rendered):
    image, _ = rendered
    assert image.size == (800, 3000)
    colours = image.getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 200  # text, tables and charts, not a blank page


def test_the_digest_is_600_pixels_wide(rendered):
    image, _ = rendered
    band = [x for x in range(image.width) if image.getpixel((x, 40)) == MASTHEAD]
    assert band, "the masthead did not render"
    assert 596 <= band[-1] - band[0] + 1 <= 604


def test_removing_every_style_element_changes_nothing(rendered):
    with_style, without = rendered
    assert ImageChops.difference(with_style, without).getbbox() is None


def test_the_comparison_would_catch_a_page_that_relies_on_style(tmp_path):
    """The control: when a rule lives only in <style>, stripping it shows in the pixels."""
    page = (
        "<html><head><style>td { background-color: #0b3d66; }</style></head><body><table>"
        '<tr><td style="width: 600px; height: 80px;">x</td></tr></table></body></html>'
    )
    stripped = re.sub(r"<style\b.*?</style\s*>", "", page, flags=re.S | re.I)
    before, after = screenshot(page, tmp_path, "styled"), screenshot(stripped, tmp_path, "bare")
    assert ImageChops.difference(before, after).getbbox() is not None
