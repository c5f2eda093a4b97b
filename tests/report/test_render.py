"""The digest's structure, wording, formatting and safety: golden tests on structure."""

import re

from bs4 import BeautifulSoup
from report_builders import HOSTILE, US, health, hostile_metrics, render, week_metrics

SECTIONS = [
    "masthead",
    "verdict",
    "gap",
    "evidence",
    "takeaways",
    "scoreboard",
    "platforms",
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


def test_subject_carries_the_verdicts_point_and_the_week_within_70_characters(english, italian):
    assert english.subject == "Initech earned 10× our engagement · week 47"
    assert italian.subject == "Initech ha ottenuto 10 volte le nostre interazioni · settimana 47"
    for digest in (english, italian):
        assert len(digest.subject) <= 70 and not re.search(r"[\x00-\x1f\x7f]", digest.subject)
        assert digest.verdict.startswith(digest.subject.split(" · ")[0].split(" 10")[0])


def test_the_verdict_comes_first_and_the_preheader_continues_it(english):
    first = section(english.html, "verdict").get_text(" ", strip=True)
    assert first == english.verdict
    assert english.preheader[:40].lower() in english.verdict.lower()


def test_subject_strips_header_injection_from_a_company_name():
    metrics = week_metrics(("Acme\r\nBcc: victim@example.com", "Globex"))
    digest = render(metrics, "en")
    assert "\r" not in digest.subject and "\n" not in digest.subject


def test_takeaways_are_listed_with_their_figures(english):
    assert 3 <= len(english.takeaways) <= 5
    cells = [td.get_text() for td in section(english.html, "takeaways").select("td.takeaway")]
    assert cells == list(english.takeaways)
    assert all(re.search(r"\d", sentence) for sentence in english.takeaways)


def test_scoreboard_has_four_columns_us_first_then_competitors_then_their_average(english):
    table = section(english.html, "scoreboard").select_one("table.score")
    headers = [th.get_text() for th in table.find("tr").find_all("th")]
    assert headers == ["Company", "Posts", "Engagement", "Per follower"]
    names = [th.get_text(" ", strip=True).lstrip("■ ") for th in table.select("th.rowname")]
    assert names[0] == f"{US} (us)"
    assert names[-1] == "Competitor average"
    assert "Landscape average" not in english.html  # 100 ÷ companies says nothing


def test_scoreboard_cells_keep_each_figure_whole_with_its_change(english):
    row = section(english.html, "scoreboard").select("tr.us")[0]
    cells = [td.get_text(" ", strip=True) for td in row.find_all("td")]
    assert cells == ["4 ▼\xa0−60%", "300 ▲\xa0+38%", "1.25% ▲\xa0+25%"]
    assert all("white-space: nowrap" in span["style"] for span in row.select("span.nowrap"))
    details = section(english.html, "scoreboard").select("tr.us td.details")[0].get_text()
    assert details.startswith("75 per post")


def test_hostile_competitor_text_renders_as_harmless_text(english):
    page = soup(english.html)
    assert page.find("script") is None
    assert not [t for t in page.find_all(True) if any(a.lower().startswith("on") for a in t.attrs)]
    assert "<script>" not in english.html and "&lt;script&gt;" in english.html
    posts = section(english.html, "top-posts")
    excerpts = [p.get_text() for p in posts.select("p.post-text")]
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
    assert links["See its image"] == "https://cdn.globex.example/t.jpg"


def test_top_posts_show_company_platform_format_local_date_figures_and_link(english):
    metas = [p.get_text() for p in section(english.html, "top-posts").select("p.post-meta")]
    assert "Globex · Mastodon · Image · Tue 18 Nov, 09:30" in metas
    assert "700 engagement · 700 likes · 12 replies · 100 reposts" in english.text


def test_top_posts_are_limited_and_at_most_two_per_company():
    digest = render(hostile_metrics(), "en", top_posts=2)
    assert len(section(digest.html, "top-posts").select("td.post")) <= 3  # ours may be added
    companies = [
        p.find("strong").get_text() for p in section(digest.html, "top-posts").select("p.post-meta")
    ]
    assert all(companies.count(c) <= 2 for c in companies)


def test_breakouts_say_how_far_above_the_usual(english):
    text = section(english.html, "breakouts").get_text(" ")
    assert "25× its usual engagement (median 200)" in text


def test_data_health_speaks_plain_words(english, italian):
    lines = [p.get_text() for p in section(english.html, "health").select("p.health")]
    assert lines == [
        "Acme on Telegram: the platform asked us to slow down (rate limited) 3 times "
        "(read 165 of 168 scheduled times); figures for it may be low.",
        "Globex on Website feed: no new posts or figures for a long time; the source may be stale.",
    ]
    assert "Acme su Telegram: la piattaforma ci ha chiesto di rallentare" in italian.text


def test_data_health_says_plainly_when_all_is_well():
    sources = [health(name, "mastodon") for name in (US, "Acme", "Globex", "Initech")]
    digest = render(week_metrics(sources=sources), "en")
    assert [p.get_text() for p in section(digest.html, "health").select("p.health")] == [
        "All is well: all 4 sources worked normally all week."
    ]


def test_how_we_count_defines_each_metric_in_one_line(english):
    lines = [p.get_text() for p in section(english.html, "how-we-count").select("p.how")]
    starts = [line.split(":")[0] for line in lines]
    assert starts == [
        "Posts",
        "Engagement",
        "Per post",
        "Per follower",
        "The gap",
        "Competitor average",
        "Share of engagement",
        "Changes",
    ]
    assert "Europe/Rome" not in " ".join(lines)


def test_email_html_is_self_contained_and_fully_inlined(english):
    html = english.html
    assert "<style" not in html and "<link" not in html and "@font-face" not in html
    frame = soup(html).select_one("div.frame")
    assert "max-width: 600px" in frame["style"] and "width: 100%" in frame["style"]
    # Outlook on Windows gets a fixed 600 px table inside conditional comments
    assert '<!--[if mso]><table role="presentation" width="600"' in html


def test_every_cell_states_its_background_and_text_colour(english):
    for cell in soup(english.html).find_all(["td", "th"]):  # layout and data cells alike
        style = cell.get("style", "")
        assert "background-color:" in style and re.search(r"(^|;)\s*color:", style), str(cell)[:80]


def test_email_uses_cid_images_and_the_archive_embeds_them(english):
    cids = set(re.findall(r'src="cid:([^"]+)"', english.html))
    assert cids == set(english.images) and len(cids) == 2
    assert "cid:" not in english.html_archive
    assert english.html_archive.count('src="data:image/png;base64,') == 2


def test_chart_alt_text_describes_the_image_and_the_caption_states_its_point(english):
    captions = [p.get_text() for p in section(english.html, "charts").select("p.chart-caption")]
    for img, caption in zip(soup(english.html).find_all("img"), captions, strict=True):
        assert len(img["alt"]) > 30 and img["alt"] != caption
        assert " ".join(caption.split()) in " ".join(english.text.split())


def test_preheader_is_hidden(english):
    hidden = soup(english.html).select_one("div.preheader")
    assert hidden.get_text() == english.preheader
    assert "display: none" in hidden["style"]


def test_plain_text_alternative_has_the_same_content_within_78_columns(english, italian):
    text = english.text
    flat = " ".join(text.split())
    assert flat.index(english.verdict.split(":")[0]) < flat.index("SCOREBOARD")
    for sentence in english.takeaways:
        assert " ".join(sentence.split()) in flat
    urls = re.findall(r"^\s+(\S+://\S+)$", text, flags=re.MULTILINE)
    assert "https://globex.example/p/1" in urls
    assert all(url.startswith(("http://", "https://")) for url in urls)
    for digest in (english, italian):
        for line in digest.text.splitlines():
            assert len(line) <= 78 or "://" in line, line
            assert not line.startswith(">"), line
    block = text.split("SCOREBOARD\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert block[0] == f"{US} (us)" and block[1].startswith("  Posts 4")


def test_a_week_without_data_says_so_instead_of_crashing():
    digest = render(week_metrics(has_data=False, sources=[]), "en")
    assert digest.subject == "No posts collected · week 47"
    notice = section(digest.html, "no-data").get_text(" ", strip=True)
    assert notice.startswith("No posts were collected for this week.")
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
        "Engagement",
        "engagement",
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
        content = " ".join(content.split())  # the text part wraps names across lines
        for phrase in provided:
            content = content.replace(phrase, " ")
        leftovers = re.findall(english_words, content, flags=re.IGNORECASE)
        assert leftovers == [], f"English words in the Italian {name}: {leftovers}"


def test_tables_say_what_they_are_and_links_say_where_they_go(english):
    page = soup(english.html)
    assert page.html["lang"] == "en"
    for table in page.find_all("table"):
        if "score" in (table.get("class") or []):
            assert table.get("role") is None  # a data table: read as a table
        else:
            assert table["role"] == "presentation"
    assert all(th.get("scope") in ("col", "row", "colgroup") for th in page.find_all("th"))
    texts = [a.get_text() for a in page.find_all("a")]
    assert texts and not [t for t in texts if t.lower() in ("here", "click here", "link")]
    assert any(t.startswith("Open Globex's post on") for t in texts)


def test_dark_mode_is_declared(english):
    metas = {m.get("name"): m.get("content") for m in soup(english.html).find_all("meta")}
    assert metas["color-scheme"] == "light dark"
    assert metas["supported-color-schemes"] == "light dark"
