"""The digest's structure, wording, formatting and safety: golden tests on structure."""

import re

import pytest
from bs4 import BeautifulSoup
from report_builders import HOSTILE, US, health, hostile_metrics, render, week_metrics

SECTIONS = [
    "masthead",
    "takeaways",
    "scoreboard",
    "charts",
    "top-posts",
    "breakouts",
    "health",
    "how-we-count",
    "footer",
]


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def section(html: str, name: str):
    return soup(html).find(attrs={"data-section": name})


def test_sections_come_in_the_agreed_order(english):
    tags = soup(english.html).find_all(attrs={"data-section": True})
    found = [tag["data-section"] for tag in tags]
    assert found == SECTIONS


def test_subject_names_the_week_and_the_headline_on_one_line(english, italian):
    assert english.subject.startswith("Competitors, week 47 (17–23 Nov): ")
    assert italian.subject.startswith("Concorrenti, settimana 47 (17–23 nov): ")
    assert len(english.subject) > len("Competitors, week 47 (17–23 Nov): ") + 5
    for subject in (english.subject, italian.subject):
        assert not re.search(r"[\x00-\x1f\x7f]", subject)


def test_subject_strips_header_injection_from_a_company_name():
    metrics = week_metrics(("Acme\r\nBcc: victim@example.com", "Globex"))
    digest = render(metrics, "en")
    assert "\r" not in digest.subject and "\n" not in digest.subject


def test_takeaways_are_listed_with_their_figures(english):
    assert 3 <= len(english.takeaways) <= 5
    cells = [td.get_text() for td in section(english.html, "takeaways").select("td.takeaway")]
    assert cells == list(english.takeaways)
    assert all(re.search(r"\d", sentence) for sentence in english.takeaways)


def test_scoreboard_puts_us_first_highlighted_then_competitors_then_two_averages(english):
    rows = section(english.html, "scoreboard").select("table.score tr")[1:]
    names = [row.find("td").get_text(" ", strip=True).lstrip("■ ") for row in rows]
    assert names[0] == US
    assert names[-2:] == ["Competitor average", "Landscape average"]
    assert set(names[1:-2]) == {"Acme", "Globex", "Initech"}
    assert "background-color: #e3eef8" in rows[0].find("td")["style"]
    assert "background-color: #e3eef8" not in rows[1].find("td")["style"]


def test_scoreboard_cells_show_value_arrow_and_change(english):
    us_row = section(english.html, "scoreboard").select("table.score tr")[1]
    cells = [td.get_text(" ", strip=True) for td in us_row.find_all("td")[1:]]
    assert cells == [
        "4 ▼ −60%",
        "75 ▼ −9.1%",
        "1.25% ▲ +25%",
        "12,000 ▲ +150 (+1.3%)",
        "25% ▲ +2.5 pts",
    ]


@pytest.mark.parametrize(
    ("language", "figures"),
    [
        ("en", ["12,000", "1.25%", "+2.5 pts", "20.5", "−9.1%"]),
        ("it", ["12.000", "1,25%", "+2,5 pt", "20,5", "−9,1%"]),
    ],
)
def test_figures_are_formatted_in_the_digest_language(language, figures, english, italian):
    digest = english if language == "en" else italian
    table = section(digest.html, "scoreboard").get_text(" ")
    for figure in figures:
        assert figure in table
        assert figure in digest.text


def test_hostile_competitor_text_renders_as_harmless_text(english):
    page = soup(english.html)
    assert page.find("script") is None
    assert not [t for t in page.find_all(True) if any(a.lower().startswith("on") for a in t.attrs)]
    assert "<script>" not in english.html and "&lt;script&gt;" in english.html
    posts = section(english.html, "top-posts")
    excerpts = [div.get_text() for div in posts.select("div.post-text")]
    assert excerpts[0] == HOSTILE
    # the </table> in the text closed nothing: every section is still there, in order
    assert [t["data-section"] for t in page.find_all(attrs={"data-section": True})] == SECTIONS


def test_only_http_links_survive(english):
    hrefs = [a["href"] for a in soup(english.html).find_all("a")]
    assert hrefs and all(re.match(r"https?://", href) for href in hrefs)
    assert "https://globex.example/p/1" in hrefs
    assert not any("javascript" in h or h.startswith(("/", "data:", "vbscript:")) for h in hrefs)


def test_thumbnails_are_links_never_remote_images(english):
    images = [img["src"] for img in soup(english.html).find_all("img")]
    assert images and all(src.startswith("cid:") for src in images)
    links = {a.get_text(): a["href"] for a in section(english.html, "top-posts").find_all("a")}
    assert links["See the image"] == "https://cdn.globex.example/t.jpg"


def test_top_posts_show_platform_company_local_date_figures_and_link(english):
    post = section(english.html, "top-posts").select("td.post")[1]
    assert post.select_one("div.post-meta").get_text() == "Globex · Mastodon · Tue 18 Nov, 09:30"
    assert "700 engagement · 700 likes · 12 replies · 100 reposts" in post.get_text()


def test_top_posts_are_limited_to_the_configured_number():
    digest = render(hostile_metrics(), "en", top_posts=2)
    assert len(section(digest.html, "top-posts").select("td.post")) == 2


def test_breakouts_say_how_far_above_the_usual(english):
    text = section(english.html, "breakouts").get_text(" ")
    assert "25× its usual engagement (median 200)" in text


def test_data_health_speaks_plain_words(english, italian):
    lines = [td.get_text() for td in section(english.html, "health").select("td.health")]
    assert lines == [
        "Acme on Telegram: the platform asked us to slow down (rate limited) 3 times "
        "(read 165 of 168 scheduled times); figures for it may be low.",
        "Globex on Website feed: no new posts or figures for a long time; the source may be stale.",
    ]
    assert "Acme su Telegram: la piattaforma ci ha chiesto di rallentare" in italian.text


def test_data_health_says_plainly_when_all_is_well():
    sources = [health(name, "mastodon") for name in (US, "Acme", "Globex", "Initech")]
    digest = render(week_metrics(sources=sources), "en")
    assert [td.get_text() for td in section(digest.html, "health").select("td.health")] == [
        "All is well: all 4 sources worked normally all week."
    ]


def test_how_we_count_defines_each_metric_in_one_line(english):
    lines = [td.get_text() for td in section(english.html, "how-we-count").select("td.how")]
    starts = [line.split(":")[0] for line in lines]
    assert starts == [
        "Posts",
        "Engagement",
        "Engagement per post",
        "Engagement rate",
        "Followers",
        "Share of voice",
        "Arrows",
    ]


def test_email_html_is_self_contained_and_fully_inlined(english):
    html = english.html
    assert "<style" not in html and "<link" not in html and "@font-face" not in html
    assert 'class="container" width="600"' in html or 'width="600"' in html
    container = soup(html).select_one("table.container")
    assert container["width"] == "600" and "width: 600px" in container["style"]


def test_every_cell_states_its_background_and_text_colour(english):
    for cell in soup(english.html).find_all(["td", "th"]):
        style = cell.get("style", "")
        assert "background-color:" in style and re.search(r"(^|;)\s*color:", style), str(cell)[:80]


def test_email_uses_cid_images_and_the_archive_embeds_them(english):
    cids = set(re.findall(r'src="cid:([^"]+)"', english.html))
    assert cids == set(english.images) and len(cids) == 3
    assert "cid:" not in english.html_archive
    assert english.html_archive.count('src="data:image/png;base64,') == 3


def test_chart_alt_text_is_on_the_image_and_under_it(english):
    for img in soup(english.html).find_all("img"):
        assert len(img["alt"]) > 30
        assert img["alt"] in english.text


def test_preheader_is_hidden_and_carries_a_takeaway(english):
    hidden = soup(english.html).select_one("div.preheader")
    assert hidden.get_text() == english.preheader
    assert "display: none" in hidden["style"]
    assert english.preheader and english.preheader in " ".join(english.takeaways)


def test_plain_text_alternative_has_the_same_content(english):
    text = english.text
    for sentence in english.takeaways:
        assert sentence in text
    urls = re.findall(r"^\s+(\S+://\S+)$", text, flags=re.MULTILINE)
    assert "https://globex.example/p/1" in urls
    assert all(url.startswith(("http://", "https://")) for url in urls)
    table = text.split("SCOREBOARD\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert table[0].startswith("Company") and table[1].startswith("> " + US)
    assert table[-1].startswith("Landscape average")
    assert len({len(line) for line in table}) == 1  # columns aligned: every line as long


def test_a_week_without_data_says_so_instead_of_crashing():
    digest = render(week_metrics(has_data=False, sources=[]), "en")
    assert digest.subject.endswith(": no data this week")
    notice = section(digest.html, "no-data").get_text(" ", strip=True)
    assert notice.startswith("No posts were collected for week 2025-W47.")
    assert digest.images == {} and section(digest.html, "charts") is None
    assert "No source reported this week." in digest.text


def _visible(html: str) -> str:
    page = soup(html)
    return " ".join([page.get_text(" "), *(img["alt"] for img in page.find_all("img"))])


def test_no_english_is_left_in_an_italian_digest(italian):
    provided = [
        US,
        "Acme",
        "Globex",
        "Initech",
        "Plain launch note",
        "Relative link",
        "Record",
        HOSTILE,
        "Europe/Rome",
    ]
    english_words = (
        r"\b(the|and|of|our|we|week|weeks|posts|engagement|followers|share|voice|"
        r"average|competitors?|company|likes|replies|reposts|views|sources?|generated|"
        r"scoreboard|charts|top|health|how|count|open|image|times?|once|no data)\b"
    )
    for name, content in (
        ("html", _visible(italian.html)),
        ("text", italian.text),
        ("subject", italian.subject),
    ):
        for phrase in provided:
            content = content.replace(phrase, " ")
        leftovers = re.findall(english_words, content, flags=re.IGNORECASE)
        assert leftovers == [], f"English words in the Italian {name}: {leftovers}"
