"""Charts: sized for a 600 px email, stable colours, alt text that states the point."""

from io import BytesIO

from PIL import Image

from monitor.report.charts import (
    COMPETITOR_COLOURS,
    US_COLOUR,
    company_styles,
    heatmap_chart,
    posts_chart,
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


def test_posts_chart_is_1200_by_600_and_its_alt_text_names_the_leader():
    styles = company_styles(["Acme", "Us"], "Us")
    chart = posts_chart(
        ["W45", "W46", "W47"], {"Acme": [3, 5, 31], "Us": [2, None, 4]}, styles, "Us", EN
    )
    assert _image(chart.png).size == (1200, 600)
    assert chart.alt == (
        "Posts per week over the last 3 weeks. This week Acme posted most (31). We posted 4."
    )


def test_share_chart_alt_text_lists_shares_biggest_first_in_the_language():
    styles = company_styles(["Acme", "Globex", "Us"], "Us")
    chart = share_chart([("Us", 10.0), ("Acme", 61.0), ("Globex", 29.0)], styles, "Us", IT)
    assert chart.title == "Quota di interazioni della settimana"
    assert chart.alt == "Quota di interazioni della settimana: Acme 61%, Globex 29%, Us (noi) 10%."
    assert _image(chart.png).size == (1200, 600)


def test_share_chart_with_no_engagement_says_so():
    chart = share_chart(
        [("Us", None), ("Acme", 0.0)], company_styles(["Us", "Acme"], "Us"), "Us", EN
    )
    assert chart.alt == "Share of engagement this week: no engagement was recorded."


def test_heatmap_alt_text_names_the_busiest_slot():
    grid = [[0] * 24 for _ in range(7)]
    grid[1][10] = 6
    grid[3][15] = 2
    chart = heatmap_chart(grid, EN, "Europe/Rome")
    assert chart.alt == (
        "The competitors' busiest slot was Tuesday 10:00–11:00 (6 posts); 8 posts in the week."
    )
    assert "Europe/Rome" in chart.title
    assert _image(chart.png).size == (1200, 600)


def test_heatmap_of_an_empty_week_says_nobody_posted():
    chart = heatmap_chart([[0] * 24 for _ in range(7)], IT, "UTC")
    assert chart.alt == "Questa settimana i concorrenti non hanno pubblicato nulla."


def test_a_chart_is_drawn_in_colour_not_blank():
    chart = posts_chart(["W47"], {"Acme": [3.0]}, company_styles(["Acme"], None), None, EN)
    colours = _image(chart.png).convert("RGB").getcolors(maxcolors=1_000_000)
    assert len(colours) > 20  # axes, text, the line: far from a blank canvas
