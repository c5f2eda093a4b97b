"""Charts: drawn to be legible at 345 px wide, transparent for dark mode, stable colours,
a caption that states the point and alt text that describes the image."""

from io import BytesIO

from PIL import Image

from monitor.report.charts import (
    COMPETITOR_COLOURS,
    US_COLOUR,
    company_styles,
    engagement_chart,
    share_chart,
)
from monitor.report.i18n import Formatter

EN, IT = Formatter("en"), Formatter("it")
OKABE_ITO = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}


def _image(png: bytes) -> Image.Image:
    return Image.open(BytesIO(png))


def test_palette_is_okabe_ito_and_us_is_always_blue():
    assert {US_COLOUR, *COMPETITOR_COLOURS} == OKABE_ITO
    styles = company_styles(["Umbrella", "Acme", "Us"], "Us")
    assert styles["Us"].colour == US_COLOUR
    assert US_COLOUR not in {styles["Acme"].colour, styles["Umbrella"].colour}


def test_a_company_keeps_its_colour_whatever_its_rank_this_week():
    this_week = company_styles(["Globex", "Acme", "Initech", "Us"], "Us")
    last_week = company_styles(["Initech", "Us", "Acme", "Globex"], "Us")
    assert this_week == last_week


def test_more_companies_than_colours_differ_by_marker():
    names = [f"Company {n:02d}" for n in range(10)]
    styles = company_styles(names, None)
    pairs = {(s.colour, s.marker) for s in styles.values()}
    assert len(pairs) == 10


def engagement(fmt=EN):
    lines = [
        ("Us (us)", US_COLOUR, [200.0, None, 400.0]),
        ("Acme", "#E69F00", [3000.0, 5000, 9000]),
    ]
    return engagement_chart(["wk 45", "wk 46", "wk 47"], lines, [2, 0, 4], fmt, "Acme leads.")


def test_engagement_chart_text_is_at_least_10_px_when_shown_345_px_wide():
    chart = engagement()
    width, height = _image(chart.png).size
    assert (width, height) == (690, 435)
    smallest_pt = 11  # LABEL_PT: ticks, labels and line labels
    assert smallest_pt * 150 / 72 * 345 / width >= 10


def test_chart_background_is_transparent_for_dark_mode():
    image = _image(engagement().png).convert("RGBA")
    assert image.getpixel((2, 2))[3] == 0  # a corner: no white panel


def test_alt_text_describes_the_image_and_differs_from_the_caption():
    chart = engagement()
    assert chart.caption == "Acme leads."
    assert chart.alt.startswith("Line chart of weekly engagement from wk 45 to wk 47")
    assert chart.alt != chart.caption


def test_share_chart_alt_text_lists_shares_biggest_first_in_the_language():
    styles = company_styles(["Acme", "Globex", "Us"], "Us")
    chart = share_chart([("Us", 10.0), ("Acme", 61.0), ("Globex", 29.0)], styles, "Us", IT)
    assert chart.title == "Quota di interazioni della settimana"
    assert chart.caption == (
        "Quota di interazioni della settimana: Acme 61,0%, Globex 29,0%, Us (noi) 10,0%."
    )
    assert _image(chart.png).size == (690, 435)


def test_share_chart_with_no_engagement_says_so():
    chart = share_chart(
        [("Us", None), ("Acme", 0.0)], company_styles(["Us", "Acme"], "Us"), "Us", EN
    )
    assert chart.caption == "Share of engagement this week: no engagement was recorded."


def test_a_chart_is_drawn_in_colour_not_blank():
    colours = _image(engagement().png).convert("RGBA").getcolors(maxcolors=1_000_000)
    assert len(colours) > 20  # axes, text, the line: far from a blank canvas


def test_a_long_company_name_is_wrapped_not_cut_at_the_edge():
    names = ["Compagnia Italiana del Tè e delle Spezie Orientali", "Acme", "Us"]
    styles = company_styles(names, "Us")
    chart = share_chart([(names[0], 40.0), ("Acme", 35.0), ("Us", 25.0)], styles, "Us", EN)
    image = _image(chart.png).convert("RGBA")
    edge = [image.getpixel((x, y))[3] for x in range(3) for y in range(image.height)]
    assert max(edge) == 0, "something is painted at the image's left edge: a cut label"
